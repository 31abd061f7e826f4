package dev.rill;

/**
 * A generation ended with {@link FinishReason#ERROR}: the token callback threw, a sampler failed, or llama.cpp
 * reported an error. The cause, when there is one, is the original exception; {@link #result()} tells how far
 * the generation got.
 */
public final class GenerationException extends RillException {
    private static final long serialVersionUID = 1L;
    private final transient GenerationResult result;

    /** For a generation that ended as {@code result} says. */
    public GenerationException(String message, Throwable cause, GenerationResult result) {
        super(message, cause);
        this.result = result;
    }

    /** The counts and timings up to the failure. */
    public GenerationResult result() {
        return result;
    }
}
