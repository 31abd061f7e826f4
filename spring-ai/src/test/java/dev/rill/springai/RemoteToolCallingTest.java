package dev.rill.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.remote.RemoteModel;
import dev.rill.springai.ToolCallingTest.Weather;
import dev.rill.testkit.RecordedChats;
import dev.rill.testkit.RecordedServer;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.support.ToolCallbacks;

/**
 * Spring AI's chat model over a {@link RemoteModel} whose server parses reasoning and tool calls: streams written
 * from llama.cpp's server's documented chat format, served over real HTTP by the test kit's {@link RecordedServer}.
 * The tool is the in-process tests' {@link Weather}.
 */
class RemoteToolCallingTest {
    static final String CALLS_WEATHER = RecordedChats.callsWeather(parameterName());
    static final String ANSWERS_SUN = RecordedChats.ANSWERS_SUN;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String parameterName() {
        try {
            return Weather.class.getDeclaredMethod("weather", String.class).getParameters()[0].getName();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    private static RemoteModel remote(RecordedServer server) {
        return RemoteModel.builder().baseUrl(server.uri().toString()).model("recorded").build();
    }

    @Test
    void aRemoteServersCallAndThinkingComeBackAsTheAssistantMessagesToolCallAndMetadata() {
        try (RecordedServer server = RecordedServer.start().then(CALLS_WEATHER); RemoteModel model = remote(server)) {
            RillChatModel chat = RillChatModel.builder().model(model).build();

            ChatResponse response = chat.call(new Prompt(List.of(new UserMessage("Weather in Munich?")),
                    ToolCallingChatOptions.builder().toolCallbacks(ToolCallbacks.from(new Weather())).build()));

            AssistantMessage message = response.getResult().getOutput();
            assertEquals(List.of(new AssistantMessage.ToolCall("k3Jd9QzX", "function", "weather",
                    "{\"" + parameterName() + "\":\"Munich\"}")), message.getToolCalls());
            assertEquals("Weather, so call it.", message.getMetadata().get("thinking"));
            assertEquals("", message.getText());
            assertEquals("TOOL_CALLS", response.getResult().getMetadata().getFinishReason());
            assertEquals(60, response.getMetadata().getUsage().getPromptTokens());
        }
    }

    @Test
    void chatClientRunsTheToolARemoteServerCalledAndStreamsTheAnswer() throws Exception {
        Weather weather = new Weather();
        try (RecordedServer server = RecordedServer.start().then(CALLS_WEATHER).then(ANSWERS_SUN);
             RemoteModel model = remote(server)) {
            ChatClient client = ChatClient.create(RillChatModel.builder().model(model)
                    .defaultOptions(ChatOptions.builder().maxTokens(100).build()).build());

            String streamed = client.prompt("What is the weather in Munich?").tools(weather).stream().content()
                    .collect(Collectors.joining()).block(Duration.ofSeconds(30));

            assertEquals("SUN", streamed);
            assertEquals(List.of("Munich"), weather.cities);
            JsonNode messages = JSON.readTree(server.requests().get(1)).path("messages");
            assertEquals("k3Jd9QzX", messages.get(1).at("/tool_calls/0/id").asText());
            assertEquals("tool", messages.get(2).path("role").asText());
            assertEquals("k3Jd9QzX", messages.get(2).path("tool_call_id").asText());
            assertTrue(messages.get(2).path("content").asText().contains("sunny in Munich"),
                    messages.get(2).toString());
        }
    }
}
