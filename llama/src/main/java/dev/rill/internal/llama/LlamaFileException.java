package dev.rill.internal.llama;

import java.nio.file.Path;

/** A model or adapter file that the checks before llama.cpp, or llama.cpp itself, refused. */
public final class LlamaFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Path path;

    LlamaFileException(Path path, String message) {
        super(message);
        this.path = path;
    }

    /** The file. */
    public Path path() {
        return path;
    }
}
