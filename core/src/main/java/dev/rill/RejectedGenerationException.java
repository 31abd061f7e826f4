package dev.rill;

/**
 * A request was refused before any work started: the model's request queue was full, or the model is closed.
 * Nothing was decoded; the caller may retry later (queue full) or not at all (closed).
 */
public final class RejectedGenerationException extends RillException {
    private static final long serialVersionUID = 1L;

    /** With a message that says why. */
    public RejectedGenerationException(String message) {
        super(message);
    }
}
