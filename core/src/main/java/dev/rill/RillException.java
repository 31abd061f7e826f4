package dev.rill;

/** The root of the exceptions Rill throws for failures that are not plain argument errors. */
public class RillException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message that says what failed and why. */
    public RillException(String message) {
        super(message);
    }

    /** With a message and the exception that caused it. */
    public RillException(String message, Throwable cause) {
        super(message, cause);
    }
}
