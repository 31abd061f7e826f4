package dev.rill.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Model and adapter files for tests, written once per JVM into one temporary folder that is deleted when the
 * JVM exits. {@code ModelFiles.file("plus-one.gguf", TestModels.plusOne()::write)} writes the file the first time
 * any test asks for that name and returns the same path after.
 */
public final class ModelFiles {
    /** Writes a file; {@link RiggedModel#write}, {@link LlamaModel#write} and {@link LoraAdapterFile#write} fit. */
    @FunctionalInterface
    public interface Writer {
        /** Writes the file at {@code path}. */
        void write(Path path) throws IOException;
    }

    private static final ConcurrentHashMap<String, Path> FILES = new ConcurrentHashMap<>();
    private static final AtomicLong SERIAL = new AtomicLong();
    private static volatile Path directory;

    private ModelFiles() {
    }

    /** The file called {@code name}, written by {@code writer} the first time it is asked for. */
    public static Path file(String name, Writer writer) {
        return FILES.computeIfAbsent(name, n -> {
            Path path = directory().resolve(n);
            try {
                writer.write(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return path;
        });
    }

    /** A path in the folder that no other call returns, for a file a test writes itself. */
    public static Path newPath(String name) {
        return directory().resolve(SERIAL.incrementAndGet() + "-" + name);
    }

    /** The folder, created on first use. */
    public static synchronized Path directory() {
        if (directory == null) {
            try {
                directory = Files.createTempDirectory("rill-test-models-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path created = directory;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var paths = Files.walk(created)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // temporary files; the OS cleans the folder eventually
                }
            }));
        }
        return directory;
    }
}
