package dev.rill.sampling;

/**
 * The sampling state of one sequence: its random generator, its window of recent tokens, whatever a
 * {@link Sampler} needs to remember between steps.
 *
 * <p>Created by {@link Sampler#newSequence(long)}, used by one thread at a time (the engine thread that
 * owns the sequence) and dropped when the sequence ends.
 */
public interface SequenceSampler extends AutoCloseable {

    /**
     * Picks the next token from {@code logits}. May rewrite {@code logits} while doing so.
     *
     * @throws IllegalStateException when the logits allow no choice (for example all are NaN)
     */
    TokenChoice choose(Logits logits);

    /** Told of every token appended to the sequence after a choice, in order. The default ignores it. */
    default void accept(int token) {
    }

    /**
     * Called once when the sequence ends, whatever the reason, on the thread that used this sampler; frees
     * whatever it holds (a native grammar, say). The default does nothing. Must not throw.
     */
    @Override
    default void close() {
    }
}
