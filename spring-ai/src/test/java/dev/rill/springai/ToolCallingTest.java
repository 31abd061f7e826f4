package dev.rill.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.Model;
import dev.rill.ModelOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.support.ToolCallbacks;
import org.springframework.ai.tool.annotation.Tool;

/**
 * Tool calls and thinking without Boot, on rigged models whose calls and answers are known:
 * {@link Fixtures#CALLS_TOOL} calls a tool with "Munich" and answers "SUN" to its result, {@link Fixtures#THINKS}
 * thinks until its budget closes the thinking.
 */
class ToolCallingTest {
    private static Model tools;
    private static Model thinking;

    @BeforeAll
    static void load() {
        ModelOptions options = ModelOptions.builder().contextSize(2048).parallelSequences(2).threads(1).build();
        tools = Model.load(Fixtures.callsToolFile(), options);
        thinking = Model.load(Fixtures.thinksFile(), options);
    }

    @AfterAll
    static void close() {
        tools.close();
        thinking.close();
    }

    /** Records each call. */
    static final class Weather {
        final List<String> cities = new CopyOnWriteArrayList<>();

        @Tool(description = "The current weather in a city")
        String weather(String city) {
            cities.add(city);
            return "sunny in " + city;
        }
    }

    private static ToolCallingChatOptions withTools(Object tools) {
        return ToolCallingChatOptions.builder().toolCallbacks(ToolCallbacks.from(tools)).maxTokens(100).build();
    }

    @Test
    void theModelsCallComesBackAsAnAssistantToolCallAndItsResultAsAToolMessage() {
        RillChatModel chat = RillChatModel.builder().model(tools).build();
        UserMessage question = new UserMessage("Weather in Munich?");

        ChatResponse call = chat.call(new Prompt(List.of(question), withTools(new Weather())));

        AssistantMessage message = call.getResult().getOutput();
        assertEquals(1, message.getToolCalls().size(), message.toString());
        AssistantMessage.ToolCall toolCall = message.getToolCalls().getFirst();
        assertEquals("weather", toolCall.name());
        assertEquals("function", toolCall.type());
        assertFalse(toolCall.id().isBlank());
        // The parameter's name is the compiler's (arg0 without -parameters); its value is the model's.
        assertTrue(toolCall.arguments().replace(" ", "").matches("\\{\"\\w+\":\"Munich\"}"), toolCall.arguments());
        assertEquals("", message.getText());
        assertEquals("TOOL_CALLS", call.getResult().getMetadata().getFinishReason());
        assertTrue(call.hasToolCalls());

        ChatResponse answer = chat.call(new Prompt(List.of(question, message, ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse(toolCall.id(), "weather", "sunny"))).build()),
                withTools(new Weather())));

        assertEquals("SUN", answer.getResult().getOutput().getText());
        assertEquals("STOP", answer.getResult().getMetadata().getFinishReason());
        assertEquals(tools.tokenize("Weather in Munich?sunny\t").length,
                answer.getMetadata().getUsage().getPromptTokens());
    }

    @Test
    void aStreamedCallArrivesCompleteInTheLastResponse() {
        RillChatModel chat = RillChatModel.builder().model(tools).build();

        List<ChatResponse> responses = chat.stream(new Prompt(List.of(new UserMessage("Weather?")),
                withTools(new Weather()))).collectList().block(Duration.ofSeconds(30));

        ChatResponse last = responses.getLast();
        assertEquals(1, last.getResult().getOutput().getToolCalls().size());
        assertEquals("TOOL_CALLS", last.getResult().getMetadata().getFinishReason());
        assertTrue(responses.subList(0, responses.size() - 1).stream()
                .allMatch(r -> !r.hasToolCalls() && r.getResult().getOutput().getText().isEmpty()),
                "the call's text is not streamed as answer text");
    }

    @Test
    void chatClientRunsTheToolAndAnswers() {
        Weather weather = new Weather();
        ChatClient client = ChatClient.create(RillChatModel.builder().model(tools)
                .defaultOptions(ChatOptions.builder().maxTokens(100).build()).build());

        String answer = client.prompt("What is the weather in Munich?").tools(weather).call().content();

        assertEquals("SUN", answer);
        assertEquals(List.of("Munich"), weather.cities);
    }

    @Test
    void chatClientStreamsTheAnswerAfterRunningTheTool() {
        Weather weather = new Weather();
        ChatClient client = ChatClient.create(RillChatModel.builder().model(tools)
                .defaultOptions(ChatOptions.builder().maxTokens(100).build()).build());

        String streamed = client.prompt("What is the weather in Munich?").tools(weather).stream().content()
                .collect(Collectors.joining()).block(Duration.ofSeconds(30));

        assertEquals("SUN", streamed);
        assertEquals(List.of("Munich"), weather.cities);
    }

    @Test
    void thinkingIsInTheMessagesMetadataNotInItsText() {
        RillChatModel chat = RillChatModel.builder().model(thinking).build();
        Prompt prompt = new Prompt("Hi", ChatOptions.builder().maxTokens(20).build());

        // No budget: the plus-one model never closes its thinking, so all of it is reasoning.
        ChatResponse response = chat.call(prompt);
        AssistantMessage message = response.getResult().getOutput();
        assertEquals("", message.getText());
        assertEquals("abcdefghijklmnopqrst", message.getMetadata().get("thinking"));

        List<ChatResponse> streamed = chat.stream(prompt).collectList().block(Duration.ofSeconds(30));
        assertEquals("abcdefghijklmnopqrst", streamed.stream()
                .map(r -> (String) r.getResult().getOutput().getMetadata().getOrDefault("thinking", ""))
                .collect(Collectors.joining()));
        assertEquals("", streamed.stream().map(r -> r.getResult().getOutput().getText())
                .collect(Collectors.joining()));
    }
}
