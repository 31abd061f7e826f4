package dev.rill.internal.llama;

import dev.rill.RillException;

/** {@code llama_decode} returned a non-zero code. */
public final class DecodeException extends RillException {
    private static final long serialVersionUID = 1L;
    private final int code;

    DecodeException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** llama.cpp's return code: 1 means no KV slot was free, negative codes are errors. */
    public int code() {
        return code;
    }

    static String describe(int code) {
        return switch (code) {
            case 1 -> "no free KV cache slot for the batch";
            case 2 -> "aborted";
            case -1 -> "invalid input batch";
            default -> code < 0 ? "error" : "warning";
        };
    }
}
