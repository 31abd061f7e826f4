package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.Reachability;
import java.lang.ref.WeakReference;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Once a generation has ended, the engine holds nothing of it: its callback and demand (and whatever they
 * reach, such as a reactive subscriber) can be collected even while the engine sits idle with no further step.
 * Each case ends the generation from inside its last step, the path where the engine's per-step scratch lists
 * last held it.
 */
class EngineReleasesCallbacksTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static Model model;

    @BeforeAll
    static void load() {
        model = RiggedFiles.loadPlusOne();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A callback that cancels its generation on the first token. */
    private static final class CancelOnFirstToken implements TokenCallback {
        @Override
        public void onToken(StreamToken token, Generation generation) {
            generation.cancel();
        }
    }

    /** A callback that ignores its tokens (an object of its own: a non-capturing lambda is a JVM-wide constant). */
    private static final class IgnoreTokens implements TokenCallback {
        @Override
        public void onToken(StreamToken token, Generation generation) {
        }
    }

    /** Runs one generation to its end and returns only a weak reference to its callback. */
    private static WeakReference<TokenCallback> generate(TokenCallback callback, int maxTokens, FinishReason expected) {
        GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(maxTokens).build(),
                callback);
        assertEquals(expected, result.finishReason());
        return new WeakReference<>(callback);
    }

    private static void assertCollected(WeakReference<TokenCallback> reference) throws InterruptedException {
        assertTrue(Reachability.collectedWithin(reference, PATIENCE),
                "the engine still reaches the callback " + PATIENCE + " after its generation ended");
    }

    @Test
    void aCallbackThatCancelledItsGenerationIsReleased() throws InterruptedException {
        assertCollected(generate(new CancelOnFirstToken(), 100, FinishReason.CANCELLED));
    }

    @Test
    void aCallbackIsReleasedWhenItsGenerationReachesMaxTokens() throws InterruptedException {
        assertCollected(generate(new IgnoreTokens(), 3, FinishReason.MAX_TOKENS));
    }
}
