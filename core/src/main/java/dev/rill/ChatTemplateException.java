package dev.rill;

/**
 * A chat template could not render a conversation: the template has a syntax error, failed while rendering, or
 * refused the conversation itself through {@code raise_exception} (for example "System role not supported").
 * The message names the template's line; a prompt is never built from a template that failed.
 */
public final class ChatTemplateException extends RillException {
    private static final long serialVersionUID = 1L;
    private final int line;

    /** For a failure at {@code line} of the template (0 when unknown). */
    public ChatTemplateException(String message, int line, Throwable cause) {
        super(message, cause);
        this.line = line;
    }

    /** The line of the template where it failed, 1-based; 0 when unknown. */
    public int line() {
        return line;
    }
}
