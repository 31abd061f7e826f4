package dev.rill.internal.chat;

/**
 * Follows one JSON value character by character, to know where it ends without parsing it: nesting depth,
 * strings and escapes. Whitespace before the value is skipped. Not a validator; the grammar or the final parse is.
 */
final class JsonScanner {
    private int depth;
    private boolean started;
    private boolean inString;
    private boolean escaped;
    private boolean complete;
    private boolean scalar;

    /** Whether the value began with an object or array, a string, or something else (a number, a literal). */
    char first;

    /**
     * Takes the next character; returns whether it belongs to the value. A scalar (number, literal) ends at the
     * first character that cannot continue it, which is not part of it: the caller gets false for that one.
     */
    boolean accept(char c) {
        if (complete) {
            return false;
        }
        if (!started) {
            if (Character.isWhitespace(c)) {
                return true;
            }
            started = true;
            first = c;
            switch (c) {
                case '{', '[' -> depth = 1;
                case '"' -> inString = true;
                default -> scalar = true;
            }
            return true;
        }
        if (scalar) {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '+' || c == '.') {
                return true;
            }
            complete = true;
            return false;
        }
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
                if (depth == 0) {
                    complete = true;
                }
            }
            return true;
        }
        switch (c) {
            case '"' -> inString = true;
            case '{', '[' -> depth++;
            case '}', ']' -> {
                depth--;
                if (depth == 0) {
                    complete = true;
                }
            }
            default -> {
            }
        }
        return true;
    }

    /** Whether the value is complete (a scalar only once a character after it was offered, or at the end). */
    boolean complete() {
        return complete;
    }

    /** Whether the value began. */
    boolean started() {
        return started;
    }

    /** Whether a scalar is in progress, which the end of the output completes. */
    boolean endsAtEndOfInput() {
        return started && scalar && !complete;
    }

    /** Nesting depth inside objects and arrays (1 inside the outermost). */
    int depth() {
        return depth;
    }

    /** Whether the last character left the scanner inside a string. */
    boolean inString() {
        return inString;
    }
}
