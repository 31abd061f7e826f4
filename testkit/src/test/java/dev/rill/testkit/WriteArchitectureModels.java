package dev.rill.testkit;

import dev.rill.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the tiny random-weight model of every {@link Architecture}, in each weight type, into a folder, to load
 * them by hand with a llama.cpp build:
 * {@code java -cp testkit/target/classes:testkit/target/test-classes dev.rill.testkit.WriteArchitectureModels DIR}.
 * Files are named {@code <architecture>-<type>.gguf}; an optional second argument {@code realistic} writes the
 * realistic shapes in F16 instead (gigabytes).
 */
final class WriteArchitectureModels {
    private WriteArchitectureModels() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: WriteArchitectureModels DIR [realistic]");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        boolean realistic = args.length > 1 && args[1].equals("realistic");
        for (Architecture architecture : Architecture.values()) {
            if (realistic) {
                write(TestModels.randomWeights(architecture, architecture.realisticShape(), 42),
                        dir.resolve(architecture.ggufName() + "-realistic-f16.gguf"));
                continue;
            }
            for (GgmlType type : GgmlType.values()) {
                GgufModel model = TestModels.randomWeights(architecture, architecture.tinyShape(), 42)
                        .withWeightType(type);
                write(model, dir.resolve(architecture.ggufName() + "-" + type.name().toLowerCase() + ".gguf"));
            }
        }
    }

    private static void write(GgufModel model, Path path) throws IOException {
        long bytes = model.write(path);
        System.out.printf("%s: %,d parameters, %,d bytes%n", path, model.parameterCount(), bytes);
    }
}
