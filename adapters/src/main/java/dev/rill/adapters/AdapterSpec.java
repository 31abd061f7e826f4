package dev.rill.adapters;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An adapter to register: its name, its GGUF LoRA file, the scale it runs at when a request names it without
 * one, and when to load it.
 *
 * @param name         not blank; unique within a registry
 * @param path         the GGUF LoRA file
 * @param defaultScale finite; 0 behaves as the base model
 * @param load         lazy (on first use) or eager (at registration)
 */
public record AdapterSpec(String name, Path path, float defaultScale, LoadPolicy load) {

    /** Checks every field. */
    public AdapterSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(load, "load");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an adapter's name must not be blank");
        }
        if (!Float.isFinite(defaultScale)) {
            throw new IllegalArgumentException("adapter '" + name + "': the scale must be finite, was " + defaultScale);
        }
    }

    /** A lazily loaded adapter at scale 1. */
    public static AdapterSpec of(String name, Path path) {
        return new AdapterSpec(name, path, 1f, LoadPolicy.LAZY);
    }

    /** A lazily loaded adapter at {@code defaultScale}. */
    public static AdapterSpec of(String name, Path path, float defaultScale) {
        return new AdapterSpec(name, path, defaultScale, LoadPolicy.LAZY);
    }

    /** This spec, loaded eagerly. */
    public AdapterSpec eager() {
        return new AdapterSpec(name, path, defaultScale, LoadPolicy.EAGER);
    }
}
