package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Tools, assistant tool calls and tool answers reach the model's chat template. The template names no call format,
 * so the generic one applies (a call is a JSON object opening the answer), and the plus-one model's "abc" is text.
 * Calls and reasoning in replies: {@link ToolCallStreamingTest}, {@link ReasoningTest}, {@link AnthropicToolUseTest}.
 */
class ToolsTest {
    /** Renders tool names, messages and calls without spaces, so each byte is one token of the rigged model. */
    private static final String TEMPLATE = "{% if tools %}T:{% for t in tools %}{{ t.function.name }};{% endfor %}\n"
            + "{% endif %}{% for m in messages %}{{ m.role }}:{{ m.content }}{% if m.tool_calls %}"
            + "{% for c in m.tool_calls %}call:{{ c.function.name }}{% endfor %}{% endif %}"
            + "{% if m.tool_call_id %}@{{ m.tool_call_id }}{% endif %}\n{% endfor %}"
            + "{% if add_generation_prompt %}assistant:\n{% endif %}";

    private static final String TOOLS = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
            + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}]";
    private static final String MESSAGES = "\"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}, "
            + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", "
            + "\"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]}, "
            + "{\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"sunny\"}]";

    @Test
    void toolsAndToolCallsAreRenderedIntoThePromptAndAReplyThatCallsNothingIsContent() throws Exception {
        var path = ModelFiles.file("plus-one-tools-template.gguf",
                p -> TestModels.plusOne().withChatTemplate(TEMPLATE).write(p));
        try (Model model = Model.load(path, ModelOptions.builder().contextSize(1024).threads(1).build());
             RillServer server = RillServer.builder(model).port(0).start()) {
            HttpClient http = HttpClient.newHttpClient();
            JsonNode without = call(http, server.uri(), "{" + MESSAGES + ", \"max_tokens\": 3, \"temperature\": 0}");
            JsonNode with = call(http, server.uri(), "{" + MESSAGES + ", " + TOOLS
                    + ", \"max_tokens\": 3, \"temperature\": 0}");
            JsonNode message = with.get("choices").get(0).get("message");
            assertEquals("abc", message.get("content").asText());
            assertEquals("length", with.get("choices").get(0).get("finish_reason").asText());
            int rendered = "T:get_weather;".length();
            assertEquals(without.get("usage").get("prompt_tokens").asInt() + rendered,
                    with.get("usage").get("prompt_tokens").asInt());
            // Hugging Face's trim_blocks drops the newline after each block tag but the last.
            String conversation = "user:Weather?assistant:call:get_weathertool:sunny@c1assistant:\n";
            assertEquals(1 + conversation.length(), without.get("usage").get("prompt_tokens").asInt(),
                    "BOS and one token per byte of the rendered conversation");
        }
    }

    private static JsonNode call(HttpClient http, URI base, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return ServerFixture.json(response.body());
    }
}
