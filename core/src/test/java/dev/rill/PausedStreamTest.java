package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A stream without demand keeps its slot and costs the engine (almost) nothing until demand returns. */
class PausedStreamTest {

    @Test
    void aPausedStreamDoesNotSpinWhenUserCodeLeftTheInterruptFlagSet() throws Exception {
        try (Model model = RiggedFiles.loadPlusOne()) {
            AtomicBoolean wanted = new AtomicBoolean(true);
            AtomicInteger asked = new AtomicInteger();
            Demand demand = () -> {
                asked.incrementAndGet();
                return wanted.get();
            };
            CountDownLatch paused = new CountDownLatch(1);
            Generation generation = model.submit(GenerationRequest.builder("abc").maxTokens(6).build(), (token, g) -> {
                if (token.index() == 2) {
                    wanted.set(false);
                    // The common idiom after catching an InterruptedException in a callback.
                    Thread.currentThread().interrupt();
                    paused.countDown();
                }
            }, demand);
            assertTrue(paused.await(10, TimeUnit.SECONDS));
            Thread.sleep(100);
            int before = asked.get();
            Thread.sleep(1000);
            // An idle engine looks again every 50 ms; one that spins asks the demand hundreds of thousands of times.
            int during = asked.get() - before;
            assertTrue(during <= 40, "the demand was asked " + during + " times in a 1 s pause");

            wanted.set(true);
            generation.demandChanged();
            GenerationResult result = generation.await();
            assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
            assertEquals("defghi", result.text());
        }
    }
}
