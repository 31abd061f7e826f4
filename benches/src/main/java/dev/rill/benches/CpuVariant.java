package dev.rill.benches;

import dev.rill.llama.LlamaProfile;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints the CPU backend variant (e.g. {@code zen4}) that Rill's current llama.cpp release loads on this machine,
 * by loading the test kit's rigged plus-one model and reading {@code ModelInfo.runtime()}. Prints nothing and
 * exits with 1 when the library has no variants. {@code benches/llama-bench} compiles its "prebuilt" llama-bench
 * for this variant.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benches/target/benchmarks.jar dev.rill.benches.CpuVariant
 * </pre>
 */
public final class CpuVariant {
    private CpuVariant() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("rill-cpu-variant-");
        Path file = dir.resolve("plus-one.gguf");
        try {
            TestModels.plusOne().write(file);
            try (Model model = Model.load(file, ModelOptions.builder().llamaProfile(LlamaProfile.CURRENT)
                    .contextSize(64).threads(1).build())) {
                String variant = model.info().runtime().cpuVariant().orElse(null);
                if (variant == null) {
                    System.err.println("the loaded llama.cpp (" + model.info().runtime().library()
                            + ") has no CPU variants");
                    System.exit(1);
                }
                System.out.println(variant);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
