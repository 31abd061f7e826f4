package dev.rill.internal.llama;


/** {@code llama_decode} returned a non-zero code. */
public final class DecodeException extends LlamaCallException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final boolean retryable;

    DecodeException(int code, boolean retryable, String message) {
        super(message);
        this.code = code;
        this.retryable = retryable;
    }

    /** Whether the same batch may decode after the cache is compacted ({@link LlamaContextHandle#defragment}). */
    public boolean retryAfterCompacting() {
        return retryable;
    }

    /** llama.cpp's return code: 1 means no KV slot was free, negative codes are errors. */
    public int code() {
        return code;
    }
}
