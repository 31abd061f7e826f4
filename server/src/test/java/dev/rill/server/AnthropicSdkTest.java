package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official Anthropic Java SDK against {@code /v1/messages}, on the plus-one model and its plus-two adapter. */
class AnthropicSdkTest {
    private static final String KEY = "anthropic-key";
    private static ServerFixture fixture;
    private static AnthropicClient client;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(2, 512, b -> b.apiKey(KEY));
        client = AnthropicOkHttpClient.builder().baseUrl(fixture.server.uri().toString()).apiKey(KEY).maxRetries(0)
                .build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        fixture.close();
    }

    private static MessageCreateParams.Builder params(String model, int maxTokens) {
        return MessageCreateParams.builder().model(model).maxTokens(maxTokens).addUserMessage("Hi")
                .putAdditionalBodyProperty("temperature", JsonValue.from(0.0));
    }

    @Test
    void aMessageReturnsTheRiggedContinuationWithUsageAndStopReason() {
        Message message = client.messages().create(params("plus-one", 5).system("Be brief").build());
        assertEquals("abcde", message.content().getFirst().text().orElseThrow().text());
        assertEquals(StopReason.MAX_TOKENS, message.stopReason().orElseThrow());
        assertEquals(5, message.usage().outputTokens());
        assertTrue(message.usage().inputTokens() > 0);
    }

    @Test
    void aStopSequenceEndsTheMessageAndIsReported() {
        Message message = client.messages().create(params("plus-one", 20).stopSequences(List.of("d")).build());
        assertEquals("abc", message.content().getFirst().text().orElseThrow().text());
        assertEquals(StopReason.STOP_SEQUENCE, message.stopReason().orElseThrow());
        assertEquals("d", message.stopSequence().orElseThrow());
    }

    @Test
    void streamedMessagesCarryTextDeltasBetweenStartAndStop() {
        StringBuilder text = new StringBuilder();
        List<String> types = new ArrayList<>();
        List<Long> outputTokens = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages()
                .createStreaming(params("plus-one:plus-two", 4).build())) {
            stream.stream().forEach(event -> {
                event.messageStart().ifPresent(e -> types.add("message_start"));
                event.contentBlockDelta().ifPresent(e -> e.delta().text().ifPresent(t -> text.append(t.text())));
                event.messageDelta().ifPresent(e -> {
                    types.add("message_delta:" + e.delta().stopReason().orElseThrow().asString());
                    outputTokens.add(e.usage().outputTokens());
                });
                event.messageStop().ifPresent(e -> types.add("message_stop"));
            });
        }
        assertEquals("aceg", text.toString());
        assertEquals(List.of("message_start", "message_delta:max_tokens", "message_stop"), types);
        assertEquals(List.of(4L), outputTokens);
    }

    @Test
    void llamaCppsLoraFieldWorksHereToo() {
        Message message = client.messages().create(params("plus-one", 3)
                .putAdditionalBodyProperty("lora", JsonValue.from(List.of(Map.of("id", "plus-two", "scale", 1.0))))
                .build());
        assertEquals("ace", message.content().getFirst().text().orElseThrow().text());
    }

    @Test
    void anUnknownModelIsNotFound() {
        NotFoundException e = assertThrows(NotFoundException.class,
                () -> client.messages().create(params("claude-opus", 3).build()));
        assertTrue(e.getMessage().contains("claude-opus"), e.getMessage());
    }
}
