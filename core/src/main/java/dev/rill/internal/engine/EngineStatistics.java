package dev.rill.internal.engine;

import dev.rill.EngineStats;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's gauges and counters: written by the engine thread (completions by whichever thread ends a
 * generation), read by any thread through {@link #snapshot}. Rates are over windows of about a second.
 */
final class EngineStatistics {
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private volatile int active;
    private volatile int kvCellsInUse;
    private volatile long steps;
    private volatile long promptTokens;
    private volatile long reusedPromptTokens;
    private volatile long generatedTokens;
    private final AtomicLong completed = new AtomicLong();
    private volatile long decodeNanos;
    private volatile double recentStepsPerSecond;
    private volatile double recentTokensPerStep;

    // Engine thread only.
    private long windowStart;
    private long windowSteps;
    private long windowTokens;

    void active(int sequences) {
        active = sequences;
    }

    void kvCellsInUse(int cells) {
        kvCellsInUse = cells;
    }

    void generatedToken() {
        generatedTokens++;
    }

    /** Counts prompt tokens whose cells were kept or copied instead of evaluated. */
    void reused(int tokens) {
        reusedPromptTokens += tokens;
    }

    void completed() {
        completed.incrementAndGet();
    }

    void decoded(long nanos) {
        decodeNanos += nanos;
    }

    /** Counts a decode step of {@code batchTokens} tokens, {@code promptTokens} of them from prompts. */
    void step(int batchTokens, int promptTokensInBatch, int kvCells) {
        long now = System.nanoTime();
        steps++;
        promptTokens += promptTokensInBatch;
        kvCellsInUse = kvCells;
        if (windowStart == 0) {
            windowStart = now;
        }
        windowSteps++;
        windowTokens += batchTokens;
        if (now - windowStart >= WINDOW_NANOS) {
            recentStepsPerSecond = windowSteps / ((now - windowStart) / 1e9);
            recentTokensPerStep = (double) windowTokens / windowSteps;
            windowStart = now;
            windowSteps = 0;
            windowTokens = 0;
        }
    }

    EngineStats snapshot(int queued, int slots, int contextSize, long adapterSwitches) {
        return new EngineStats(active, queued, slots, kvCellsInUse, contextSize, steps, promptTokens, generatedTokens,
                completed.get(), adapterSwitches, Duration.ofNanos(decodeNanos), recentStepsPerSecond,
                recentTokensPerStep, reusedPromptTokens);
    }
}
