package dev.rill;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A handle on one running (or queued) generation. Single-use; every method is safe from any thread.
 */
public interface Generation {

    /**
     * Asks the generation to stop. Idempotent. A queued request ends at once; a running one ends before its
     * next token (the token being delivered, if any, is the last). The result's reason is
     * {@link FinishReason#CANCELLED} unless it had already finished.
     */
    void cancel();

    /**
     * Tells the engine that this generation's {@link Demand} may have turned true, waking it if it sat idle.
     * Cheap and safe from any thread; generations without a {@code Demand} never need it.
     */
    void demandChanged();

    /**
     * Runs the rest of this generation with other LoRA adapters, from the next token on. The tokens already in
     * the context keep what they were computed with: the next token sees the earlier ones as the previous
     * adapters made them. Use {@link #switchAdaptersAndReevaluate} when that matters.
     *
     * @throws IllegalArgumentException when an adapter belongs to another model
     * @throws IllegalStateException when an adapter was closed
     */
    void switchAdapters(AdapterSet adapters);

    /**
     * Runs the rest of this generation with other LoRA adapters and first re-evaluates everything so far (the
     * prompt and the tokens generated) under them, so the next token is exactly what the new adapters would
     * give after this text. Costs one prompt evaluation of the sequence's length.
     *
     * @throws IllegalArgumentException when an adapter belongs to another model
     * @throws IllegalStateException when an adapter was closed
     */
    void switchAdaptersAndReevaluate(AdapterSet adapters);

    /** True once the generation has finished, for whatever reason. */
    boolean isDone();

    /**
     * The result, when the generation ends; the same future on every call. It completes normally, also for a
     * generation that failed ({@link FinishReason#ERROR}). Cancelling it ({@code cancel(boolean)}) cancels the
     * generation, as {@link #cancel()} does, and completes the future with a {@link
     * java.util.concurrent.CancellationException} at once; {@link #await()} still returns the generation's
     * result, {@link FinishReason#CANCELLED} unless it had already finished.
     */
    CompletableFuture<GenerationResult> result();

    /**
     * Waits for the result.
     *
     * @throws GenerationException when the generation ended with {@link FinishReason#ERROR}
     */
    GenerationResult await();

    /**
     * Waits for the result at most {@code timeout}. A timeout does not cancel the generation: wait again, or
     * {@link #cancel()} it.
     *
     * @throws TimeoutException when the generation has not ended within {@code timeout}
     * @throws GenerationException when the generation ended with {@link FinishReason#ERROR}
     */
    GenerationResult await(Duration timeout) throws TimeoutException;
}
