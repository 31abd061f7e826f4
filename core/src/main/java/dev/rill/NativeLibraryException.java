package dev.rill;

/**
 * The llama.cpp library could not be loaded or does not match the version Rill binds (tag b4916). The message
 * lists every place that was tried.
 */
public final class NativeLibraryException extends RillException {
    private static final long serialVersionUID = 1L;

    /** With a message listing the attempts. */
    public NativeLibraryException(String message) {
        super(message);
    }

    /** With a message and the exception that caused it. */
    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
