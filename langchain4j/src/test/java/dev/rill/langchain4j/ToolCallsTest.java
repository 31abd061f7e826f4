package dev.rill.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.rill.Model;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool calls and thinking parsed from the output, blocking and streamed, on rigged models whose calls and
 * answers are known: {@link Fixtures#CALLS_TOOL} calls a tool with "Munich" and answers "SUN" after its result,
 * {@link Fixtures#THINKS} thinks "abc..." until its budget closes the thinking.
 */
class ToolCallsTest {
    private static final ToolSpecification WEATHER = ToolSpecification.builder().name("getWeather")
            .description("The weather in a city.")
            .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
    private static final ToolSpecification TIME = ToolSpecification.builder().name("aTime")
            .parameters(JsonObjectSchema.builder().addStringProperty("zone").required("zone").build()).build();
    private static Model tools;
    private static Model thinking;

    @BeforeAll
    static void load() {
        tools = Fixtures.callsTool();
        thinking = Fixtures.thinks();
    }

    @AfterAll
    static void close() {
        tools.close();
        thinking.close();
    }

    private static ChatRequest ask(ChatRequestParameters parameters) {
        return ChatRequest.builder().messages(UserMessage.from("Weather in Munich?")).parameters(parameters).build();
    }

    private static ChatRequestParameters offer(ToolSpecification... specifications) {
        return ChatRequestParameters.builder().toolSpecifications(specifications).maxOutputTokens(100).build();
    }

    @Test
    void aToolCallBecomesAToolExecutionRequestAndTheResultGoesBackAsAToolMessage() {
        RillChatModel chat = RillChatModel.builder().model(tools).build();

        ChatResponse call = chat.chat(ask(offer(WEATHER)));

        AiMessage message = call.aiMessage();
        assertEquals(1, message.toolExecutionRequests().size(), String.valueOf(message));
        ToolExecutionRequest request = message.toolExecutionRequests().getFirst();
        assertEquals("getWeather", request.name());
        assertEquals("{\"city\":\"Munich\"}", request.arguments().replace(" ", ""));
        assertFalse(request.id().isBlank());
        assertNull(message.text(), "a reply that only calls a tool has no text");
        assertEquals(FinishReason.TOOL_EXECUTION, call.finishReason());
        String raw = ((RillChatResponseMetadata) call.metadata()).result().text();
        assertTrue(raw.startsWith("{\"") && raw.endsWith("}"), raw);

        ChatResponse answer = chat.chat(ChatRequest.builder().messages(UserMessage.from("Weather in Munich?"),
                message, ToolExecutionResultMessage.from(request, "sunny")).parameters(offer(WEATHER)).build());

        assertEquals("SUN", answer.aiMessage().text(), "the tool's result ended the prompt with the template's tab");
        assertTrue(answer.aiMessage().toolExecutionRequests().isEmpty());
        assertEquals(FinishReason.STOP, answer.finishReason());
        int prompt = tools.tokenize("Weather in Munich?" + "sunny" + "\t").length;
        assertEquals(prompt, answer.tokenUsage().inputTokenCount(), "the prompt holds the question and the result");
    }

    @Test
    void aStreamedCallArrivesAsPartialToolCallsThenOneCompleteCall() throws Exception {
        RillStreamingChatModel chat = RillStreamingChatModel.builder().model(tools).build();
        Recorder recorder = new Recorder();

        chat.chat(ask(offer(WEATHER)), recorder);
        ChatResponse response = recorder.done.get(30, TimeUnit.SECONDS);

        ToolExecutionRequest request = response.aiMessage().toolExecutionRequests().getFirst();
        assertTrue(recorder.partialToolCalls.size() > 3, "the arguments stream token by token");
        StringBuilder arguments = new StringBuilder();
        for (PartialToolCall partial : recorder.partialToolCalls) {
            assertEquals(0, partial.index());
            assertEquals(request.id(), partial.id());
            assertEquals("getWeather", partial.name());
            arguments.append(partial.partialArguments());
        }
        assertEquals(request.arguments(), arguments.toString());
        assertEquals(1, recorder.completeToolCalls.size());
        assertEquals(0, recorder.completeToolCalls.getFirst().index());
        assertEquals(request, recorder.completeToolCalls.getFirst().toolExecutionRequest());
        assertTrue(recorder.partialResponses.isEmpty(), "no answer text: " + recorder.partialResponses);
        assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason());
        assertEquals(1, recorder.threads.size(), "one engine thread");
    }

    @Test
    void requiredWithOneToolCallsThatToolEvenWhereTheModelWouldNot() {
        // After the question alone the rigged model would write '{'; asked with the tool's result in the prompt
        // it answers "SUN". Required, the grammar writes a call from the start.
        RillChatModel chat = RillChatModel.builder().model(tools).build();
        ChatRequest afterResult = ChatRequest.builder().messages(UserMessage.from("Weather?"),
                AiMessage.from(ToolExecutionRequest.builder().id("c1").name("getWeather")
                        .arguments("{\"city\": \"Munich\"}").build()),
                ToolExecutionResultMessage.from("c1", "getWeather", "sunny"))
                .parameters(ChatRequestParameters.builder().toolSpecifications(WEATHER, TIME)
                        .toolChoice(ToolChoice.REQUIRED).maxOutputTokens(100).build()).build();

        ChatResponse response = chat.chat(afterResult);

        assertEquals(1, response.aiMessage().toolExecutionRequests().size(), response.aiMessage().toString());
        assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason());
    }

    @Test
    void aNamedToolIsTheOneCalled() {
        RillChatModel chat = RillChatModel.builder().model(tools).build();
        // Among free choices the rigged model takes the lowest token id: unnamed, "aTime" would win.
        ChatResponse any = chat.chat(ask(ChatRequestParameters.builder().toolSpecifications(WEATHER, TIME)
                .toolChoice(ToolChoice.REQUIRED).maxOutputTokens(100).build()));
        ChatResponse named = chat.chat(ask(RillChatRequestParameters.builder().toolSpecifications(WEATHER, TIME)
                .toolName("getWeather").maxOutputTokens(100).build()));

        assertEquals("aTime", any.aiMessage().toolExecutionRequests().getFirst().name());
        assertEquals("getWeather", named.aiMessage().toolExecutionRequests().getFirst().name());
        assertEquals("{\"city\":\"Munich\"}",
                named.aiMessage().toolExecutionRequests().getFirst().arguments().replace(" ", ""));
    }

    @Test
    void toolChoiceNoneLeavesTheCallTextAsTheAnswer() {
        RillChatModel chat = RillChatModel.builder().model(tools).build();
        ChatResponse response = chat.chat(ask(ChatRequestParameters.builder().toolSpecifications(WEATHER)
                .toolChoice(ToolChoice.NONE).maxOutputTokens(20).build()));

        assertTrue(response.aiMessage().toolExecutionRequests().isEmpty());
        assertTrue(response.aiMessage().text().startsWith("{\"Munich\""), response.aiMessage().text());
    }

    @Test
    void badToolRequestsAreRefusedAtOnce() {
        RillChatModel chat = RillChatModel.builder().model(tools).build();
        assertThrows(UnsupportedFeatureException.class, () -> chat.chat(ask(ChatRequestParameters.builder()
                .toolSpecifications(WEATHER).responseFormat(ResponseFormat.JSON).build())));
        assertThrows(IllegalArgumentException.class, () -> chat.chat(ask(RillChatRequestParameters.builder()
                .toolSpecifications(WEATHER).toolName("nowhere").build())));
        assertThrows(IllegalArgumentException.class, () -> RillChatRequestParameters.builder().toolName(" "));
        assertThrows(IllegalArgumentException.class, () -> RillChatRequestParameters.builder().reasoningBudget(-1));
    }

    @Test
    void thinkingGoesToThinkingAndTheAnswerToText() {
        RillChatModel chat = RillChatModel.builder().model(thinking).build();

        ChatResponse response = chat.chat(ChatRequest.builder().messages(UserMessage.from("Hi"))
                .parameters(RillChatRequestParameters.builder().reasoningBudget(3).maxOutputTokens(20).build()).build());

        assertEquals("abc", response.aiMessage().thinking());
        String raw = ((RillChatResponseMetadata) response.metadata()).result().text();
        // The budget closed the thinking after three tokens; after the closing newline the model counts from 'a'.
        assertEquals("abc</think>\n\nabcdefg", raw);
        assertEquals("abcdefg", response.aiMessage().text());
    }

    @Test
    void streamedThinkingArrivesAsPartialThinking() throws Exception {
        RillStreamingChatModel chat = RillStreamingChatModel.builder().model(thinking).build();
        Recorder recorder = new Recorder();

        chat.chat(ChatRequest.builder().messages(UserMessage.from("Hi"))
                .parameters(RillChatRequestParameters.builder().reasoningBudget(4).maxOutputTokens(20).build()).build(),
                recorder);
        ChatResponse response = recorder.done.get(30, TimeUnit.SECONDS);

        assertEquals("abcd", String.join("", recorder.partialThinking));
        assertEquals("abcd", response.aiMessage().thinking());
        assertEquals(response.aiMessage().text(), String.join("", recorder.partialResponses));
        assertFalse(recorder.partialResponses.isEmpty());
    }

    /** Records every handler call. */
    private static final class Recorder implements StreamingChatResponseHandler {
        final List<String> partialResponses = new ArrayList<>();
        final List<String> partialThinking = new ArrayList<>();
        final List<PartialToolCall> partialToolCalls = new ArrayList<>();
        final List<CompleteToolCall> completeToolCalls = new ArrayList<>();
        final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            threads.add(Thread.currentThread());
            partialResponses.add(partial.text());
        }

        @Override
        public void onPartialThinking(PartialThinking partial, PartialThinkingContext context) {
            threads.add(Thread.currentThread());
            partialThinking.add(partial.text());
        }

        @Override
        public void onPartialToolCall(PartialToolCall call, PartialToolCallContext context) {
            threads.add(Thread.currentThread());
            partialToolCalls.add(call);
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall call) {
            threads.add(Thread.currentThread());
            completeToolCalls.add(call);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            threads.add(Thread.currentThread());
            done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }
    }
}
