package dev.rill;

import java.nio.file.Path;

/**
 * A model file could not be loaded: missing, unreadable, not GGUF, truncated, or refused by llama.cpp. A probe in a
 * child process ({@link Model#probe}) that fails throws the subclass {@link ModelProbeException}, which says how
 * the child ended.
 */
public sealed class ModelLoadException extends RillException permits ModelProbeException {
    private static final long serialVersionUID = 1L;
    private final transient Path path;

    /** For the model at {@code path}, with a message that says why. */
    public ModelLoadException(Path path, String message) {
        super(message);
        this.path = path;
    }

    /** The file that failed to load. */
    public Path path() {
        return path;
    }
}
