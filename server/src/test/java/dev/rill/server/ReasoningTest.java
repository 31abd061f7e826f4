package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reasoning on {@code /v1/chat/completions}: the rigged plus-one model behind a template whose generation prompt
 * opens a thinking block (as Qwen3's and DeepSeek R1's do), so after it the model "thinks" "abcd...". The
 * thinking comes back as {@code reasoning_content} (llama.cpp's and DeepSeek's field), and llama.cpp's controls
 * ({@code reasoning_budget}, {@code thinking_budget_tokens}, {@code reasoning_format},
 * {@code chat_template_kwargs}) act on it.
 */
class ReasoningTest {
    /** Opens {@code <think>} unless {@code enable_thinking} is false, in which case it writes an empty block. */
    static final String THINKING_TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if enable_thinking is defined and not enable_thinking %}{{ '<think>\\n\\n</think>\\n\\n' }}"
            + "{% else %}{{ '<think>\\n' }}{% endif %}";

    private static ServerFixture fixture;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.serve(ModelFiles.file("server-thinking.gguf",
                TestModels.plusOne().withChatTemplate(THINKING_TEMPLATE)::write), ServerFixture.options(2, 512));
        client = OpenAIOkHttpClient.builder().baseUrl(fixture.server.uri() + "/v1").apiKey("none").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        fixture.close();
    }

    /** 3 thinking tokens, the 10 of "</think>\n\n" written for the model at the budget, then 2 of answer. */
    private static ChatCompletionCreateParams.Builder budgetOfThree() {
        return ChatCompletionCreateParams.builder().model("model").addUserMessage("Q").temperature(0.0)
                .maxCompletionTokens(15).putAdditionalBodyProperty("reasoning_budget", JsonValue.from(3));
    }

    private static String reasoning(Map<String, JsonValue> fields) {
        JsonValue value = fields.get("reasoning_content");
        return value == null ? null : value.convert(String.class);
    }

    @Test
    void theThinkingIsReasoningContentAndTheBudgetClosesIt() {
        ChatCompletion completion = client.chat().completions().create(budgetOfThree().build());
        var message = completion.choices().getFirst().message();
        assertEquals("abc", reasoning(message._additionalProperties()));
        assertEquals("ab", message.content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, completion.choices().getFirst().finishReason());
        assertEquals(15, completion.usage().orElseThrow().completionTokens());
    }

    @Test
    void streamedThinkingArrivesAsReasoningContentDeltasBeforeTheAnswer() {
        StringBuilder order = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("model").addUserMessage("Q").temperature(0.0)
                        .maxCompletionTokens(15)
                        .putAdditionalBodyProperty("thinking_budget_tokens", JsonValue.from(3)).build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                String piece = reasoning(choice.delta()._additionalProperties());
                if (piece != null) {
                    reasoning.append(piece);
                    order.append('r');
                }
                choice.delta().content().filter(c -> !c.isEmpty()).ifPresent(c -> {
                    content.append(c);
                    order.append('c');
                });
            }));
        }
        assertEquals("abc", reasoning.toString());
        assertEquals("ab", content.toString());
        assertEquals("rrrcc", order.toString(), "one delta per token, the reasoning first");
    }

    @Test
    void reasoningFormatNoneLeavesTheThinkingInTheContent() {
        ChatCompletion completion = client.chat().completions().create(budgetOfThree()
                .putAdditionalBodyProperty("reasoning_format", JsonValue.from("none")).build());
        var message = completion.choices().getFirst().message();
        assertEquals("abcab", message.content().orElseThrow());
        assertFalse(message._additionalProperties().containsKey("reasoning_content"));
    }

    @Test
    void enableThinkingFalseReachesTheTemplateAndTheReplyIsAllAnswer() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("model").addUserMessage("Q").temperature(0.0).maxCompletionTokens(5)
                .putAdditionalBodyProperty("chat_template_kwargs", JsonValue.from(Map.of("enable_thinking", false)))
                .build());
        var message = completion.choices().getFirst().message();
        assertEquals("abcde", message.content().orElseThrow());
        assertFalse(message._additionalProperties().containsKey("reasoning_content"));
    }

    @Test
    void withoutABudgetTheModelThinksOn() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("model").addUserMessage("Q").temperature(0.0).maxCompletionTokens(6).build());
        var message = completion.choices().getFirst().message();
        assertEquals("abcdef", reasoning(message._additionalProperties()));
        assertEquals("", message.content().orElse(""));
    }

    @Test
    void badReasoningControlsAreBadRequests() throws Exception {
        for (String field : new String[] {"\"reasoning_format\": \"xml\"", "\"reasoning_budget\": -2",
                "\"chat_template_kwargs\": [1]", "\"chat_template_kwargs\": {\"messages\": 1}"}) {
            HttpResponse<String> response = fixture.post("/v1/chat/completions",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"Q\"}], " + field + "}");
            assertEquals(400, response.statusCode(), field + ": " + response.body());
            JsonNode error = ServerFixture.json(response.body()).get("error");
            assertEquals("invalid_request_error", error.get("type").asText(), response.body());
            assertTrue(error.get("param").asText().startsWith(field.substring(1, field.indexOf('"', 1))),
                    response.body());
        }
    }
}
