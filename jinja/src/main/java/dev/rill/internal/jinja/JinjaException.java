package dev.rill.internal.jinja;

/**
 * A template that cannot be parsed or fails while rendering: the reason and the line of the template it happened
 * on (1-based; 0 when unknown). {@link #raised()} tells a template's own {@code raise_exception(...)} apart.
 */
public final class JinjaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final int line;
    private final boolean raised;

    JinjaException(String reason, int line) {
        this(reason, line, false, null);
    }

    JinjaException(String reason, int line, boolean raised, Throwable cause) {
        super(reason + (line > 0 ? " (template line " + line + ")" : ""), cause);
        this.reason = reason;
        this.line = line;
        this.raised = raised;
    }

    /** What went wrong, without the line. */
    public String reason() {
        return reason;
    }

    /** The template line, 1-based, or 0 when unknown. */
    public int line() {
        return line;
    }

    /** Whether the template raised it itself, through {@code raise_exception(message)}. */
    public boolean raised() {
        return raised;
    }

    /** This error at {@code line} when it has none yet. */
    JinjaException at(int newLine) {
        return line > 0 || newLine <= 0 ? this : new JinjaException(reason, newLine, raised, getCause());
    }
}
