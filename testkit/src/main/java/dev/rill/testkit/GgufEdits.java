package dev.rill.testkit;

import dev.rill.gguf.GgufFile;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a copy of a GGUF file with some metadata changed: the hostile files of Rill's reliability tests (a value
 * llama.cpp ends the process on, a key removed). The tensors are copied as they are (F32 and F16 only).
 */
public final class GgufEdits {
    private GgufEdits() {
    }

    /**
     * Writes {@code source} to {@code target} with {@code changes} to its metadata; a null value removes the key.
     *
     * @return {@code target}
     */
    public static Path withMetadata(Path source, Path target, Map<String, GgufValue> changes) throws IOException {
        return withMetadata(GgufFile.read(source), target, changes);
    }

    /**
     * Writes {@code original} (already read) to {@code target} with {@code changes} to its metadata; a null value
     * removes the key.
     *
     * @return {@code target}
     */
    public static Path withMetadata(GgufFile original, Path target, Map<String, GgufValue> changes)
            throws IOException {
        Map<String, GgufValue> metadata = new LinkedHashMap<>(original.metadata());
        metadata.remove(GgufWriter.ALIGNMENT_KEY);
        changes.forEach((key, value) -> {
            if (value == null) {
                metadata.remove(key);
            } else {
                metadata.put(key, value);
            }
        });
        GgufWriter writer = new GgufWriter();
        metadata.forEach(writer::metadata);
        for (GgufFile.TensorInfo t : original.tensors()) {
            writer.tensor(t.name(), t.type(), t.dims().stream().mapToLong(Long::longValue).toArray(),
                    original.readFloats(t.name()));
        }
        writer.write(target);
        return target;
    }
}
