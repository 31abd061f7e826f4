package dev.rill.internal.llama;

/** A llama.cpp call that failed; the message carries what llama.cpp logged about it. */
public class LlamaCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LlamaCallException(String message) {
        super(message);
    }
}
