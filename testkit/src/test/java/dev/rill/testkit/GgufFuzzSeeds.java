package dev.rill.testkit;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufFile;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the seed corpora of the GGUF header fuzz target ({@code GgufHeaderFuzzTest} in rill-gguf) from the test
 * kit, small enough for a fuzzer to mutate quickly (a few kilobytes each). Run from the repository root after
 * {@code ./build -pl testkit -am test-compile}:
 *
 * <pre>{@code
 * java -cp testkit/target/test-classes:testkit/target/classes:gguf/target/classes \
 *     dev.rill.testkit.GgufFuzzSeeds gguf/src/test/resources/dev/rill/internal/gguf/GgufHeaderFuzzTestInputs
 * }</pre>
 */
public final class GgufFuzzSeeds {
    private GgufFuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path inputs = Path.of(args[0]);
        Path model = Files.createDirectories(inputs.resolve("modelHeader"));
        Path adapter = Files.createDirectories(inputs.resolve("adapterHeader"));
        Path scratch = Files.createTempFile("seed", ".gguf");
        try {
            // The rigged model's header, up to its data section: the metadata, the 259-token vocabulary and the
            // tensor table (its tensors then lie past the end, which checkComplete reports).
            TestModels.plusOne().write(scratch);
            byte[] whole = Files.readAllBytes(scratch);
            long dataOffset = GgufFile.read(scratch).dataOffset();
            Files.write(model.resolve("rigged-model-header"), Arrays.copyOf(whole, (int) dataOffset));

            // A whole small file with a value of every type, string and number arrays, a custom alignment and
            // tensors of three types, which checkComplete accepts.
            new GgufWriter()
                    .metadata("general.architecture", GgufValue.string("llama"))
                    .metadata("general.alignment", GgufValue.uint32(64))
                    .metadata("u8", GgufValue.uint8(200)).metadata("i8", GgufValue.int8(-3))
                    .metadata("u16", GgufValue.uint16(60000)).metadata("i16", GgufValue.int16(-300))
                    .metadata("u32", GgufValue.uint32(4_000_000_000L)).metadata("i32", GgufValue.int32(-70000))
                    .metadata("u64", GgufValue.uint64(-1L)).metadata("i64", GgufValue.int64(1L << 40))
                    .metadata("f32", GgufValue.float32(0.5f)).metadata("f64", GgufValue.float64(-2.25))
                    .metadata("bool", GgufValue.bool(true))
                    .metadata("tokens", GgufValue.strings(List.of("a", "bc", "")))
                    .metadata("ids", GgufValue.int32s(1, 2, 3))
                    .metadata("scores", GgufValue.float32s(0.25f, -1f))
                    .tensor("f32.weight", GgmlType.F32, new long[] {4, 2}, new float[8])
                    .tensor("f16.weight", GgmlType.F16, new long[] {2, 2, 1, 2}, new float[8])
                    .tensor("q8.weight", GgmlType.Q8_0, new long[] {32}, new float[32])
                    .write(model.resolve("every-type"));

            // A LoRA adapter as the test kit writes one, shrunk to rank 2 on a 4 x 3 matrix.
            float[][] a = {{1, 0, 0, 0}, {0, 1, 0, 0}};
            float[][] b = {{1, 0}, {0, 1}, {0.5f, 0.5f}};
            new LoraAdapterFile("seed-lora", 2, List.of(new LoraAdapterFile.Target("output.weight", a, b)))
                    .write(adapter.resolve("lora-rank-2"));
        } finally {
            Files.deleteIfExists(scratch);
        }
    }
}
