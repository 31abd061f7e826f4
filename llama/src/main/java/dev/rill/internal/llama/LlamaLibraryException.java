package dev.rill.internal.llama;

/** No llama.cpp library could be found, loaded, linked or set up; the message lists what was tried. */
public final class LlamaLibraryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LlamaLibraryException(String message) {
        super(message);
    }

    LlamaLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
