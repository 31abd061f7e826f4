package dev.rill.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.tool.ToolExecution;
import dev.rill.Model;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j AI services with {@code @Tool} methods, end to end on the rigged {@link Fixtures#CALLS_TOOL} model:
 * the model calls the tool (the call's grammar writes the tool's name and keys, the model the city "Munich"),
 * LangChain4j runs the method, its result goes back as a tool message, and the model answers "SUN".
 */
class AiServicesToolsTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Fixtures.callsTool();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Records each call. */
    static final class Weather {
        final List<String> cities = new CopyOnWriteArrayList<>();

        @Tool("The current weather in a city")
        String weather(@P("the city") String city) {
            cities.add(city);
            return "sunny in " + city;
        }
    }

    /** A tool without arguments. */
    static final class Clock {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("The current time")
        String now() {
            calls.add("now");
            return "10:14";
        }
    }

    interface Assistant {
        Result<String> chat(String message);
    }

    interface StreamingAssistant {
        TokenStream chat(String message);
    }

    @Test
    void anAiServiceCallsTheToolAndAnswersWithItsResult() {
        Weather weather = new Weather();
        MessageWindowChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(Fixtures.chatModel(model, ChatRequestParameters.builder().maxOutputTokens(100).build()))
                .chatMemory(memory)
                .tools(weather)
                .build();

        Result<String> result = assistant.chat("What is the weather in Munich?");

        assertEquals(List.of("Munich"), weather.cities, "the tool ran once with the model's argument");
        assertEquals("SUN", result.content());
        assertEquals(FinishReason.STOP, result.finishReason());
        assertEquals(1, result.toolExecutions().size());
        ToolExecution execution = result.toolExecutions().getFirst();
        assertEquals("weather", execution.request().name());
        assertEquals("sunny in Munich", execution.result());
        // user, the assistant's call, the tool's result, the answer
        List<ChatMessage> messages = memory.messages();
        assertEquals(4, messages.size(), messages.toString());
        AiMessage call = (AiMessage) messages.get(1);
        assertEquals(call.toolExecutionRequests().getFirst().id(), ((ToolExecutionResultMessage) messages.get(2)).id());
    }

    @Test
    void aToolWithoutArgumentsIsCalledWithAnEmptyObject() {
        Clock clock = new Clock();
        Assistant assistant = AiServices.builder(Assistant.class)
                .chatModel(Fixtures.chatModel(model, ChatRequestParameters.builder().maxOutputTokens(100).build()))
                .tools(clock)
                .build();

        Result<String> result = assistant.chat("What time is it?");

        assertEquals(List.of("now"), clock.calls);
        assertEquals("{}", result.toolExecutions().getFirst().request().arguments().replace(" ", ""));
        assertEquals("SUN", result.content());
    }

    @Test
    void aStreamingAiServiceCallsTheToolAndStreamsTheAnswer() throws Exception {
        Weather weather = new Weather();
        StreamingAssistant assistant = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(Fixtures.streamingModel(model,
                        ChatRequestParameters.builder().maxOutputTokens(100).build()))
                .tools(weather)
                .build();
        StringBuffer partials = new StringBuffer();
        List<ToolExecution> executions = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        assistant.chat("What is the weather in Munich?")
                .onPartialResponse(partials::append)
                .onToolExecuted(executions::add)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();

        ChatResponse response = done.get(30, TimeUnit.SECONDS);
        assertEquals(List.of("Munich"), weather.cities);
        assertEquals(1, executions.size());
        assertEquals("sunny in Munich", executions.getFirst().result());
        assertEquals("SUN", partials.toString(), "the call's text never reaches the partial responses");
        assertEquals("SUN", response.aiMessage().text());
        assertTrue(response.aiMessage().toolExecutionRequests().isEmpty());
    }
}
