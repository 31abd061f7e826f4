package dev.rill.benches;

import dev.rill.testkit.Architecture;
import dev.rill.gguf.GgmlType;
import dev.rill.testkit.ModelShape;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The models whose prompt and decode speed {@link ProfileSpeedBenchmark} and {@code benches/llama-bench} measure.
 * Each is written once by the test kit into a folder ({@value #FOLDER_PROPERTY}, default {@value #DEFAULT_FOLDER},
 * relative to the working directory) and reused by every JMH fork and by llama-bench: writing the 1.1B-parameter
 * models takes a minute each.
 *
 * <p>A file is reused when the description written beside it ({@code <file>.key}: shape, weight type, seed)
 * matches; delete the folder after changing how the test kit writes models.
 */
enum SpeedModel {
    /**
     * TinyLlama 1.1B's shape with random weights in Q4_0 (about 620 MB): 2048 wide, 22 blocks, 32 heads of 64,
     * 4 KV heads, feed-forward 5632, a 32,000-token vocabulary (bytes and synthetic words), untied output,
     * rotary base 10,000. Every matrix is Q4_0, the output matrix too (llama.cpp's quantizer, and so the Q4_0
     * files published of TinyLlama, keep that one in Q6_K).
     */
    TINYLLAMA_Q4_0("tinyllama-q4_0", GgmlType.Q4_0),
    /** The same weights in Q8_0 (about 1.17 GB). */
    TINYLLAMA_Q8_0("tinyllama-q8_0", GgmlType.Q8_0),
    /** {@link TestModels#random32k} in F16 (117 MB), the model of the other suites: 512 wide, 8 blocks. */
    RANDOM32K_F16("random32k-f16", GgmlType.F16);

    /** The system property naming the folder. */
    static final String FOLDER_PROPERTY = "rill.bench.models";
    /** The folder unless {@value #FOLDER_PROPERTY} is set. */
    static final String DEFAULT_FOLDER = "benches/target/bench-models";
    /** Seed of every model's random weights. */
    static final long SEED = 42L;

    /** TinyLlama 1.1B (v1.0 chat): Llama 3.2 1B's width and heads with fewer KV heads, more blocks, 32k vocabulary. */
    static final ModelShape TINYLLAMA_SHAPE = Architecture.LLAMA.realisticShape().toBuilder()
            .vocabularySize(32_000)
            .contextLength(2048)
            .blockCount(22)
            .feedForwardLength(5632)
            .headCountKv(4)
            .ropeFreqBase(10_000f)
            .tiedEmbeddings(false)
            .build();

    private final String label;
    private final GgmlType weightType;

    SpeedModel(String label, GgmlType weightType) {
        this.label = label;
        this.weightType = weightType;
    }

    /** The name used by the benchmark's {@code model} parameter and the file name: {@code tinyllama-q4_0}. */
    String label() {
        return label;
    }

    /** The model whose {@link #label} is {@code label}. */
    static SpeedModel named(String label) {
        for (SpeedModel model : values()) {
            if (model.label.equals(label)) {
                return model;
            }
        }
        throw new IllegalArgumentException("no benchmark model \"" + label + "\"; there are "
                + Arrays.stream(values()).map(SpeedModel::label).collect(Collectors.joining(", ")));
    }

    /** The folder of {@value #FOLDER_PROPERTY}, or {@value #DEFAULT_FOLDER}. */
    static Path folder() {
        return Path.of(System.getProperty(FOLDER_PROPERTY, DEFAULT_FOLDER)).toAbsolutePath();
    }

    /** The model file in {@link #folder()}, written first if it is missing or was written from another description. */
    Path file() {
        return file(folder());
    }

    /** The model file in {@code dir}, written first if it is missing or was written from another description. */
    Path file(Path dir) {
        return cached(dir, label, description(), this::write);
    }

    /** Writes a model file. */
    @FunctionalInterface
    interface Writer {
        void write(Path path) throws IOException;
    }

    /**
     * The file {@code <label>.gguf} in {@code dir}, written by {@code writer} first if it is missing or was written
     * from another {@code description} (kept beside it in {@code <label>.gguf.key}).
     */
    static Path cached(Path dir, String label, String description, Writer writer) {
        Path file = dir.resolve(label + ".gguf");
        Path key = dir.resolve(label + ".gguf.key");
        try {
            if (Files.isRegularFile(file) && Files.isRegularFile(key)
                    && Files.readString(key, StandardCharsets.UTF_8).equals(description)) {
                return file;
            }
            Files.createDirectories(dir);
            Files.deleteIfExists(key);
            // Written beside its final name and moved into place, so that an interrupted write leaves no model.
            Path partial = Files.createTempFile(dir, label + "-", ".partial");
            try {
                writer.write(partial);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
            Files.writeString(key, description, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark model " + file, e);
        }
    }

    private void write(Path path) throws IOException {
        switch (this) {
            case TINYLLAMA_Q4_0, TINYLLAMA_Q8_0 -> TestModels.randomWeights(Architecture.LLAMA, TINYLLAMA_SHAPE, SEED)
                    .withWeightType(weightType).write(path);
            case RANDOM32K_F16 -> TestModels.random32k(weightType, SEED).write(path);
        }
    }

    /** What the file is made from; a file written from another description is written again. */
    private String description() {
        String shape = switch (this) {
            case TINYLLAMA_Q4_0, TINYLLAMA_Q8_0 -> "llama " + TINYLLAMA_SHAPE;
            case RANDOM32K_F16 -> "random32k";
        };
        return String.format(Locale.ROOT, "%s%nweights %s%nseed %d%n", shape, weightType, SEED);
    }
}
