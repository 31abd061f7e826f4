package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tool use and thinking on {@code /v1/messages}: {@code tool_use} blocks (streamed as {@code content_block_start}
 * and {@code input_json_delta}s) with {@code stop_reason: "tool_use"}, {@code thinking} blocks with
 * {@code thinking_delta}s, {@code tool_choice} and {@code thinking} budgets, and {@code tool_result} blocks in the
 * history; read as plain HTTP and server-sent events, and through the official Anthropic SDK's accumulator.
 */
class AnthropicToolUseTest {
    private static final String PLAIN = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '\\n' }}{% endif %}";
    private static final String TOOLS = "\"tools\": [{\"name\": \"get_weather\", \"description\": \"Weather.\", "
            + "\"input_schema\": {\"type\": \"object\", \"properties\": {\"unit\": {\"enum\": [\"celsius\", "
            + "\"fahrenheit\"]}}, \"required\": [\"unit\"]}}, {\"name\": \"get_time\", \"input_schema\": {\"type\": "
            + "\"object\", \"properties\": {\"utc\": {\"type\": \"boolean\"}}, \"required\": [\"utc\"]}}]";
    private static final String QUESTION = "\"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}]";

    /** Llama 3's call format: after the prompt's newline the model writes '{' (a call opens) and, after '}', '!'. */
    private static ServerFixture calls;
    private static ServerFixture thinking;
    private static AnthropicClient thinkingClient;

    private static int b(char c) {
        return Vocabulary.byteToken(c);
    }

    @BeforeAll
    static void start() {
        calls = ServerFixture.serve(ModelFiles.file("server-llama3-calls.gguf", TestModels.transition(Map.of(b('\n'),
                        b('{'), b('{'), b('x'), b('}'), b('!'))).withChatTemplate("{# <|start_header_id|> \"parameters\" #}"
                        + PLAIN)::write), ServerFixture.options(2, 1024));
        thinking = ServerFixture.serve(ModelFiles.file("server-thinking.gguf",
                TestModels.plusOne().withChatTemplate(ReasoningTest.THINKING_TEMPLATE)::write), ServerFixture.options(2, 512));
        thinkingClient = AnthropicOkHttpClient.builder().baseUrl(thinking.server.uri().toString()).apiKey("none")
                .maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (thinkingClient != null) {
            thinkingClient.close();
        }
        for (ServerFixture fixture : new ServerFixture[] {calls, thinking}) {
            if (fixture != null) {
                fixture.close();
            }
        }
    }

    private static String body(String... fields) {
        return "{\"model\": \"model\", \"max_tokens\": 200, \"temperature\": 0, " + String.join(", ", fields) + "}";
    }

    /** The named events of a streamed reply, as {@code [name, data]}. */
    private static List<Map.Entry<String, JsonNode>> events(String stream) throws Exception {
        List<Map.Entry<String, JsonNode>> events = new ArrayList<>();
        String name = null;
        for (String line : stream.split("\n")) {
            if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("data: ")) {
                events.add(Map.entry(name, ServerFixture.json(line.substring(6))));
            }
        }
        return events;
    }

    @Test
    void aCallIsAToolUseBlockAndTheReplyStopsForToolUse() throws Exception {
        HttpResponse<String> response = calls.post("/v1/messages", body(QUESTION, TOOLS));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode message = ServerFixture.json(response.body());
        assertEquals("tool_use", message.get("stop_reason").asText());
        JsonNode content = message.get("content");
        assertEquals(2, content.size(), response.body());
        assertEquals("text", content.get(0).get("type").asText());
        assertEquals("!", content.get(0).get("text").asText());
        JsonNode use = content.get(1);
        assertEquals("tool_use", use.get("type").asText());
        assertEquals("get_time", use.get("name").asText(), "the lowest token ids: get_time before get_weather");
        assertEquals(ServerFixture.json("{\"utc\": false}"), use.get("input"));
        assertTrue(use.get("id").asText().length() > 3, response.body());
    }

    @Test
    void aStreamedCallOpensAToolUseBlockAndSendsItsInputAsJsonDeltas() throws Exception {
        HttpResponse<String> response = calls.post("/v1/messages", body(QUESTION, TOOLS, "\"stream\": true"));
        assertEquals(200, response.statusCode(), response.body());
        List<Map.Entry<String, JsonNode>> events = events(response.body());
        List<String> shape = new ArrayList<>();
        StringBuilder json = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, JsonNode> event : events) {
            JsonNode data = event.getValue();
            assertEquals(event.getKey(), data.get("type").asText());
            switch (event.getKey()) {
                case "content_block_start" -> {
                    JsonNode block = data.get("content_block");
                    shape.add("start " + data.get("index").asInt() + " " + block.get("type").asText());
                    if (block.get("type").asText().equals("tool_use")) {
                        assertEquals("get_time", block.get("name").asText());
                        assertEquals(0, block.get("input").size());
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = data.get("delta");
                    switch (delta.get("type").asText()) {
                        case "input_json_delta" -> json.append(delta.get("partial_json").asText());
                        case "text_delta" -> text.append(delta.get("text").asText());
                        default -> throw new AssertionError("unexpected delta " + delta);
                    }
                }
                case "content_block_stop" -> shape.add("stop " + data.get("index").asInt());
                case "message_delta" -> shape.add("message_delta " + data.get("delta").get("stop_reason").asText());
                default -> shape.add(event.getKey());
            }
        }
        assertEquals(List.of("message_start", "start 0 tool_use", "stop 0", "start 1 text", "stop 1",
                "message_delta tool_use", "message_stop"), shape);
        assertEquals(ServerFixture.json("{\"utc\": false}"), ServerFixture.json(json.toString()));
        assertEquals("!", text.toString());
    }

    @Test
    void toolChoiceNamesTheToolAndNoneLeavesText() throws Exception {
        JsonNode named = ServerFixture.json(calls.post("/v1/messages", body(QUESTION, TOOLS,
                "\"tool_choice\": {\"type\": \"tool\", \"name\": \"get_weather\"}")).body());
        JsonNode use = named.get("content").get(named.get("content").size() - 1);
        assertEquals("get_weather", use.get("name").asText());
        assertEquals(ServerFixture.json("{\"unit\": \"celsius\"}"), use.get("input"));

        JsonNode none = ServerFixture.json(calls.post("/v1/messages", body(QUESTION, TOOLS,
                "\"tool_choice\": {\"type\": \"none\"}")).body());
        assertEquals("{x", none.get("content").get(0).get("text").asText());
        assertEquals("end_turn", none.get("stop_reason").asText());

        HttpResponse<String> bad = calls.post("/v1/messages", body(QUESTION, TOOLS,
                "\"tool_choice\": {\"type\": \"tool\", \"name\": \"get_stock\"}"));
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals("invalid_request_error", ServerFixture.json(bad.body()).get("error").get("type").asText());
    }

    @Test
    void aToolUseAndItsToolResultInTheHistoryAreAccepted() throws Exception {
        HttpResponse<String> response = calls.post("/v1/messages", body(TOOLS, "\"messages\": ["
                + "{\"role\": \"user\", \"content\": \"Weather?\"}, {\"role\": \"assistant\", \"content\": [{\"type\": "
                + "\"tool_use\", \"id\": \"toolu_1\", \"name\": \"get_weather\", \"input\": {\"unit\": \"celsius\"}}]}, "
                + "{\"role\": \"user\", \"content\": [{\"type\": \"tool_result\", \"tool_use_id\": \"toolu_1\", "
                + "\"content\": \"sunny\"}]}]"));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode message = ServerFixture.json(response.body());
        assertEquals("tool_use", message.get("stop_reason").asText());
        // The template renders contents: "Weather?" and "sunny" (the assistant's call has none), then the newline.
        assertEquals(1 + "Weather?sunny\n".length(), message.get("usage").get("input_tokens").asInt());
    }

    @Test
    void thinkingIsAThinkingBlockStreamedAsThinkingDeltasAndItsBudgetCloses() {
        MessageCreateParams params = MessageCreateParams.builder().model("model").maxTokens(15).addUserMessage("Q")
                .enabledThinking(3).putAdditionalBodyProperty("temperature", JsonValue.from(0.0)).build();
        Message whole = thinkingClient.messages().create(params);
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<String> deltas = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = thinkingClient.messages().createStreaming(params)) {
            stream.stream().forEach(event -> {
                accumulator.accumulate(event);
                event.contentBlockDelta().ifPresent(d -> {
                    d.delta().thinking().ifPresent(t -> deltas.add("thinking:" + t.thinking()));
                    d.delta().text().ifPresent(t -> deltas.add("text:" + t.text()));
                });
            });
        }
        assertEquals(List.of("thinking:a", "thinking:b", "thinking:c", "text:a", "text:b"), deltas);
        for (Message message : List.of(whole, accumulator.message())) {
            List<ContentBlock> content = message.content();
            assertEquals(2, content.size(), content.toString());
            assertEquals("abc", content.get(0).thinking().orElseThrow().thinking());
            assertEquals("ab", content.get(1).text().orElseThrow().text());
            assertEquals(StopReason.MAX_TOKENS, message.stopReason().orElseThrow());
        }
    }

    @Test
    void disabledThinkingClosesTheBlockAtOnce() throws Exception {
        JsonNode message = ServerFixture.json(thinking.post("/v1/messages", "{\"model\": \"model\", \"max_tokens\": 13, "
                + "\"temperature\": 0, \"thinking\": {\"type\": \"disabled\"}, \"messages\": [{\"role\": \"user\", "
                + "\"content\": \"Q\"}]}").body());
        JsonNode content = message.get("content");
        assertEquals(1, content.size(), message.toString());
        assertEquals("abc", content.get(0).get("text").asText(), "10 tokens of \"</think>\\n\\n\", then the answer");
    }
}
