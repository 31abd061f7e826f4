package dev.rill;

import java.nio.file.Path;

/**
 * A LoRA adapter could not be loaded: the file is missing or unreadable, is not a LoRA adapter, or was made for
 * another base model (another architecture, tensor names or shapes). Nothing else changes: the model and its
 * running generations go on.
 */
public final class AdapterLoadException extends RillException {
    private static final long serialVersionUID = 1L;
    private final transient Path path;

    /** For the adapter at {@code path}, with a message that says why. */
    public AdapterLoadException(Path path, String message) {
        super(message);
        this.path = path;
    }

    /** The adapter file. */
    public Path path() {
        return path;
    }
}
