package dev.rill;

/**
 * Backpressure for one generation: while {@link #hasDemand()} answers false, the engine leaves the sequence out
 * of its decode steps (nothing is decoded for it, the other sequences go on), and it resumes when the answer
 * turns true. Pair it with {@link Generation#demandChanged()} to wake an idle engine.
 *
 * <p>{@code hasDemand()} is asked on the engine thread before every step: it must be quick, must not block
 * and must not throw (an exception ends the generation with {@link FinishReason#ERROR}). At most one token is
 * delivered per step, so a consumer that answers true only while it has requested more tokens than it
 * received never gets more than it asked for.
 */
@FunctionalInterface
public interface Demand {

    /** True while the consumer wants the next token. */
    boolean hasDemand();

    /** Always true: tokens come as fast as the engine makes them. */
    static Demand unbounded() {
        return UnboundedDemand.INSTANCE;
    }
}

/** The demand of plain callbacks. */
enum UnboundedDemand implements Demand {
    INSTANCE;

    @Override
    public boolean hasDemand() {
        return true;
    }
}
