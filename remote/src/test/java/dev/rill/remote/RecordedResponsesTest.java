package dev.rill.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.FinishReason;
import dev.rill.GenerationResult;
import dev.rill.PromptTooLongException;
import dev.rill.RejectedGenerationException;
import dev.rill.RillException;
import dev.rill.StreamToken;
import dev.rill.remote.internal.HttpErrors;
import dev.rill.remote.internal.RemoteGeneration;
import dev.rill.remote.internal.SseLines;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Responses written by hand from vLLM's and llama.cpp's documented formats, for the fields in which they differ,
 * fed to the stream parser in buffers of awkward sizes without a network.
 */
class RecordedResponsesTest {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();

    @AfterAll
    static void stop() {
        TIMER.shutdownNow();
    }

    private static byte[] resource(String name) {
        return Recordings.resource(name);
    }

    /** Streams {@code name} into a generation in buffers of {@code size} bytes, one buffer per request. */
    private static GenerationResult replay(String name, int size, int maxTokens, List<StreamToken> tokens) {
        RemoteGeneration generation = new RemoteGeneration((token, g) -> tokens.add(token), () -> true, Runnable::run,
                TIMER, Duration.ofSeconds(5), Duration.ofSeconds(5), maxTokens, -1);
        Recordings.replay(name, size, generation);
        return generation.result().join();
    }

    @Test
    void vllmLegacyLogprobsGiveProbabilitiesWithoutIdsAndItsStopReasonNamesTheStopString() {
        for (int size : new int[] {7, 64, 100_000}) {
            List<StreamToken> tokens = new CopyOnWriteArrayList<>();
            GenerationResult result = replay("vllm-completions.sse", size, 16, tokens);
            assertEquals("Hello", result.text());
            assertEquals(FinishReason.STOP_STRING, result.finishReason());
            assertEquals(4, result.promptTokens());
            assertEquals(3, result.generatedTokens());
            assertEquals(List.of("Hel", "lo", ""), tokens.stream().map(StreamToken::text).toList());
            StreamToken first = tokens.getFirst();
            assertEquals(-1, first.tokenId());
            assertEquals(Math.exp(-0.105), first.probability(), 1e-6);
            assertEquals("Hel", first.alternatives().get(0).text());
            assertEquals("Hi", first.alternatives().get(1).text());
            assertEquals(-1, first.alternatives().get(1).tokenId());
        }
    }

    @Test
    void llamaCppChatLogprobsCarryTokenIdsAndUsageComesBesideTheFinishReason() {
        for (int size : new int[] {5, 333, 100_000}) {
            List<StreamToken> tokens = new CopyOnWriteArrayList<>();
            GenerationResult result = replay("llamacpp-chat.sse", size, 2, tokens);
            assertEquals("Hello", result.text());
            assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
            assertEquals(9, result.promptTokens());
            assertEquals(2, result.generatedTokens());
            assertEquals(List.of(9707, 385), tokens.stream().map(StreamToken::tokenId).toList());
            assertEquals(13048, tokens.getFirst().alternatives().get(1).tokenId());
            assertEquals(Math.exp(-2.4), tokens.getFirst().alternatives().get(1).probability(), 1e-6);
        }
    }

    @Test
    void llamaCppTextCompletionsUseTheChatShapeOfLogprobs() {
        List<StreamToken> tokens = new CopyOnWriteArrayList<>();
        GenerationResult result = replay("llamacpp-completions.sse", 11, 16, tokens);
        assertEquals("Hel", result.text());
        assertEquals(FinishReason.END_OF_SEQUENCE, result.finishReason());
        assertEquals(9707, tokens.getFirst().tokenId());
        assertEquals(2, result.generatedTokens());
    }

    @Test
    void aLengthEndBeforeMaxTokensIsAFullContext() {
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = replay("llamacpp-chat.sse", 100_000, 50, tokens);
        assertEquals(FinishReason.CONTEXT_FULL, result.finishReason());
    }

    @Test
    void anErrorEventEndsTheGenerationWithTheServersMessage() {
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = replay("vllm-error-event.sse", 13, 16, tokens);
        assertEquals(FinishReason.ERROR, result.finishReason());
        assertEquals("Hi", result.text());
        assertTrue(result.failure().orElseThrow().getMessage().contains("The engine died"),
                result.failure().toString());
    }

    @Test
    void contextErrorsOfEachServerBecomePromptTooLong() {
        String llama = new String(resource("llamacpp-context-error.json"), StandardCharsets.UTF_8);
        PromptTooLongException fromLlama = assertInstanceOf(PromptTooLongException.class,
                HttpErrors.of(400, llama, "POST /v1/completions"));
        assertEquals(5000, fromLlama.promptTokens());
        assertEquals(4096, fromLlama.limit());
        String vllm = new String(resource("vllm-context-error.json"), StandardCharsets.UTF_8);
        PromptTooLongException fromVllm = assertInstanceOf(PromptTooLongException.class,
                HttpErrors.of(400, vllm, "POST /v1/completions"));
        assertEquals(5000, fromVllm.promptTokens());
        assertEquals(4096, fromVllm.limit());
    }

    @Test
    void otherStatusesNameTheStatusAndTheServersMessage() {
        RuntimeException bad = HttpErrors.of(400, "{\"error\":{\"message\":\"'temperature' must be <= 2\"}}", "POST x");
        assertInstanceOf(IllegalArgumentException.class, bad);
        assertTrue(bad.getMessage().contains("400") && bad.getMessage().contains("'temperature' must be <= 2"));
        assertInstanceOf(RejectedGenerationException.class, HttpErrors.of(429, "{\"error\":{\"message\":\"busy\"}}",
                "POST x"));
        RuntimeException plain = HttpErrors.of(502, "<html>Bad Gateway</html>", "POST x");
        assertInstanceOf(RillException.class, plain);
        assertTrue(plain.getMessage().contains("502") && plain.getMessage().contains("Bad Gateway"));
        assertTrue(HttpErrors.retryable(503) && !HttpErrors.retryable(500) && !HttpErrors.retryable(429));
    }

    @Test
    void sseLinesJoinLinesAndCharactersCutAcrossBuffersAndSkipComments() {
        byte[] bytes = (": keep-alive\r\nevent: x\r\ndata: {\"t\":\"é\"}\r\n\r\ndata: a\ndata: b\n\n")
                .getBytes(StandardCharsets.UTF_8);
        for (int size = 1; size <= bytes.length; size++) {
            SseLines lines = new SseLines();
            List<String> events = new ArrayList<>();
            for (int at = 0; at < bytes.length; at += size) {
                events.addAll(lines.feed(ByteBuffer.wrap(bytes, at, Math.min(size, bytes.length - at))));
            }
            events.addAll(lines.finish());
            assertEquals(List.of("{\"t\":\"é\"}", "a\nb"), events, "buffers of " + size);
        }
    }
}
