package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CancellationTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = RiggedFiles.loadPlusOne();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void theCallbackCanStopGenerationAndNoTokenFollows() {
        AtomicInteger delivered = new AtomicInteger();
        GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(100).build(),
                (token, generation) -> {
                    if (delivered.incrementAndGet() == 3) {
                        generation.cancel();
                    }
                });
        assertEquals(3, delivered.get());
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals("def", result.text());
        assertEquals(3, result.generatedTokens());
    }

    @Test
    void anotherThreadCanCancelARunningGeneration() throws Exception {
        CountDownLatch firstToken = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        Generation generation = model.submit(GenerationRequest.builder("abc").maxTokens(200).build(),
                (token, g) -> {
                    firstToken.countDown();
                    try {
                        cancelled.await(5, TimeUnit.SECONDS); // hold the engine until the cancel is in
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        assertTrue(firstToken.await(10, TimeUnit.SECONDS));
        generation.cancel();
        generation.cancel(); // idempotent
        cancelled.countDown();
        GenerationResult result = generation.await();
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(1, result.generatedTokens());
        assertTrue(generation.isDone());
    }

    @Test
    void aQueuedRequestCancelledBeforeItStartsNeverRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Generation blocker = model.submit(GenerationRequest.builder("abc").maxTokens(1).build(), (token, g) -> {
            running.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(running.await(10, TimeUnit.SECONDS));
        AtomicInteger tokens = new AtomicInteger();
        Generation queued = model.submit(GenerationRequest.of("abc"), (token, g) -> tokens.incrementAndGet());
        queued.cancel();
        assertTrue(queued.isDone(), "a queued request ends at once");
        release.countDown();
        assertEquals(FinishReason.CANCELLED, queued.await().finishReason());
        assertEquals(0, tokens.get());
        assertEquals(0, queued.await().generatedTokens());
        assertEquals(FinishReason.MAX_TOKENS, blocker.await().finishReason());
    }

    @Test
    void awaitWithATimeoutThrowsTimeoutExceptionAndLetsTheGenerationGoOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Generation slow = model.submit(GenerationRequest.builder("abc").maxTokens(5).build(), (token, g) -> {
            if (token.index() == 0) {
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        var error = assertThrows(TimeoutException.class, () -> slow.await(Duration.ofMillis(50)));
        assertTrue(error.getMessage().contains("it goes on"), error.getMessage());
        release.countDown();
        GenerationResult result = slow.await(Duration.ofSeconds(10));
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals("defgh", result.text());
    }

    @Test
    void cancellingTheResultFutureCancelsTheGeneration() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Generation generation = model.submit(GenerationRequest.builder("abc").maxTokens(200).build(), (token, g) -> {
            if (token.index() == 0) {
                running.countDown();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertSame(generation.result(), generation.result(), "one future per generation");
        assertTrue(running.await(10, TimeUnit.SECONDS));
        assertTrue(generation.result().cancel(true));
        assertTrue(generation.result().isCancelled());
        release.countDown();
        GenerationResult result = generation.await(Duration.ofSeconds(10));
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(1, result.generatedTokens());
        assertTrue(generation.result().isCancelled(), "the future stays cancelled");
    }

    @Test
    void theResultFutureCompletesWithoutBlockingTheCaller() throws Exception {
        Generation generation = model.submit(GenerationRequest.builder("abc").maxTokens(5).build(), TokenCallback.ignore());
        GenerationResult result = generation.result().get(10, TimeUnit.SECONDS);
        assertEquals("defgh", result.text());
    }
}
