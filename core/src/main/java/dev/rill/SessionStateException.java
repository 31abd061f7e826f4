package dev.rill;

/**
 * A saved chat session state that cannot be restored: not a session state, damaged or truncated, from another
 * model file or llama.cpp release, or refused by llama.cpp. Nothing of it reached the model's cells.
 */
public final class SessionStateException extends RillException {
    private static final long serialVersionUID = 1L;

    /** With a message that says what is wrong with the state. */
    public SessionStateException(String message) {
        super(message);
    }

    /** With a message and the exception that found the problem. */
    public SessionStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
