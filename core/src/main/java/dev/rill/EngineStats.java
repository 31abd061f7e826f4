package dev.rill;

import java.time.Duration;

/**
 * A snapshot of a model's engine, for monitoring. Counters are cumulative since the model loaded; rates over
 * any window come from two snapshots ({@link #stepsPerSecondSince}), and {@code recentStepsPerSecond} and
 * {@code recentTokensPerStep} cover the last completed window of about one second of work.
 *
 * @param activeSequences sequences holding a slot (prefilling or generating)
 * @param queuedRequests requests waiting for a slot
 * @param parallelSequences slots
 * @param kvCellsInUse KV cache cells in use, over all sequences (read by the engine after its last step)
 * @param contextSize KV cache cells in all
 * @param steps decode steps run
 * @param promptTokens prompt tokens evaluated (decoded)
 * @param generatedTokens tokens sampled and delivered
 * @param completedGenerations generations that ended, for any reason
 * @param adapterSwitches steps that ran a different LoRA adapter set than the step before
 * @param decodeTime time spent inside {@code llama_decode}
 * @param recentStepsPerSecond steps per second in the last window, 0 before the first
 * @param recentTokensPerStep tokens per decode in the last window, 0 before the first
 * @param reusedPromptTokens prompt tokens not evaluated because their KV cells were there already: kept from a
 *     chat session's earlier turns or a finished request (the prompt cache), or copied from another sequence
 */
public record EngineStats(int activeSequences, int queuedRequests, int parallelSequences, int kvCellsInUse,
                          int contextSize, long steps, long promptTokens, long generatedTokens,
                          long completedGenerations, long adapterSwitches, Duration decodeTime, double recentStepsPerSecond,
                          double recentTokensPerStep, long reusedPromptTokens) {

    /** Tokens per decode step over the model's life. */
    public double averageTokensPerStep() {
        return steps == 0 ? 0 : (double) (promptTokens + generatedTokens) / steps;
    }

    /** Steps per second between {@code earlier} and this snapshot, {@code elapsed} apart. */
    public double stepsPerSecondSince(EngineStats earlier, Duration elapsed) {
        return elapsed.isZero() ? 0 : (steps - earlier.steps) / (elapsed.toNanos() / 1e9);
    }

    /** Generated tokens per second between {@code earlier} and this snapshot, {@code elapsed} apart. */
    public double generatedTokensPerSecondSince(EngineStats earlier, Duration elapsed) {
        return elapsed.isZero() ? 0 : (generatedTokens - earlier.generatedTokens) / (elapsed.toNanos() / 1e9);
    }
}
