package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufFile;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
import dev.rill.testkit.GgufEdits;
import dev.rill.testkit.LoraAdapterFile;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mutation run of issue #15 on LoRA adapters: each file is the test kit's plus-two adapter for the rigged model,
 * made hostile, and loaded through the adapter path ({@link LlamaAdapterHandle#load}, then attached to a context
 * that decodes a token) on the rigged model in a child JVM ({@link HostileRuns}). The changes: {@code alpha} NaN,
 * infinite, negative, zero or huge, or of another type; a metadata key of the adapter's identity changed or removed;
 * NaN or infinite values in A or B; A and B of different ranks; A and B shaped for another base tensor, or aimed
 * at a base tensor of another shape; a missing half of a pair; and the tensor-table changes of
 * {@link HostileTensorsTest} (types, dimensions, offsets) on the adapter's own table. Outcomes go to
 * {@code target/hostile-adapters-<profile>.txt}. Skipped unless {@code rill.hostile.files} is set:
 *
 * <pre>{@code
 * ./build -pl llama -am test -Dtest='HostileAdaptersTest' -Dsurefire.failIfNoSpecifiedTests=false -Drill.hostile.files=300
 * }</pre>
 */
class HostileAdaptersTest {
    private static final String TARGET = "output.weight";

    @TempDir
    Path dir;

    @Test
    void hostileAdaptersAreLoadedOrRefusedInChildJvms() throws Exception {
        int files = Integer.getInteger("rill.hostile.files", 0);
        assumeTrue(files > 0, "set -Drill.hostile.files=N to run the mutation run");
        long seed = Long.getLong("rill.hostile.seed", 15L);
        String profile = System.getProperty(LlamaRuntime.PROFILE_PROPERTY, "current");
        Path base = dir.resolve("base.gguf");
        TestModels.plusOne().write(base);
        Path adapter = dir.resolve("plus-two.gguf");
        LoraAdapterFile plusTwo = TestModels.plusTwoAdapter();
        plusTwo.write(adapter);
        GgufFile model = GgufFile.read(base);
        Random random = new Random(seed);
        List<HostileRuns.Mutant> mutants = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Path file = dir.resolve(String.format("a%04d.gguf", i));
            List<String> changes = new ArrayList<>();
            int how = random.nextInt(4);
            if (how == 0) {
                changes.add(metadata(adapter, file, random));
            } else if (how == 1) {
                changes.add(reshaped(plusTwo, model, file, random));
            } else {
                Files.copy(adapter, file);
            }
            TensorTable table = TensorTable.read(file);
            int count = how >= 2 ? 1 + random.nextInt(2) : random.nextInt(2);
            for (int c = 0; c < count; c++) {
                changes.add(how == 3 && c == 0 ? hostileValues(table, random) : HostileTensorsTest.mutate(table, random));
            }
            table.write(file);
            mutants.add(HostileRuns.Mutant.adapter(base, file, String.join("; ", changes)));
        }
        HostileRuns.runAndReport(mutants, profile, "adapters", seed);
    }

    /** The adapter with a hostile alpha, or a key of its identity changed or removed. */
    private static String metadata(Path adapter, Path file, Random random) throws IOException {
        Map<String, GgufValue> changes = new HashMap<>();
        String what;
        switch (random.nextInt(6)) {
            case 0, 1 -> {
                float alpha = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -2f, 0f, 1e30f,
                    Float.MIN_VALUE}[random.nextInt(7)];
                changes.put("adapter.lora.alpha", GgufValue.float32(alpha));
                what = "alpha " + alpha;
            }
            case 2 -> {
                changes.put("adapter.lora.alpha", random.nextBoolean() ? GgufValue.string("2") : GgufValue.uint32(2));
                what = "alpha of another type";
            }
            case 3 -> {
                String key = new String[] {"general.architecture", "general.type", "adapter.type", "adapter.lora.alpha"}
                        [random.nextInt(4)];
                changes.put(key, null);
                what = "no " + key;
            }
            case 4 -> {
                String architecture = new String[] {"gpt2", "", "gemma3", "bert"}[random.nextInt(4)];
                changes.put("general.architecture", GgufValue.string(architecture));
                what = "architecture '" + architecture + "'";
            }
            default -> {
                String type = new String[] {"control_vector", "", "lora\u0000"}[random.nextInt(3)];
                changes.put(random.nextBoolean() ? "adapter.type" : "general.type", GgufValue.string(type));
                what = "type '" + type + "'";
            }
        }
        GgufEdits.withMetadata(adapter, file, changes);
        return what;
    }

    /** A and B of other shapes: ranks that differ, another base tensor's shape, a missing half. */
    private static String reshaped(LoraAdapterFile plusTwo, GgufFile model, Path file, Random random) throws IOException {
        LoraAdapterFile.Target t = plusTwo.targets().getFirst();
        int in = t.inputs();
        int out = t.outputs();
        int rank = t.rank();
        GgufWriter writer = new GgufWriter()
                .metadata("general.architecture", GgufValue.string("llama"))
                .metadata("general.type", GgufValue.string("adapter"))
                .metadata("adapter.type", GgufValue.string("lora"))
                .metadata("adapter.lora.alpha", GgufValue.float32(plusTwo.alpha()));
        String target = TARGET;
        long[] aDims = {in, rank};
        long[] bDims = {rank, out};
        String what;
        boolean onlyA = false;
        switch (random.nextInt(6)) {
            case 0 -> {
                bDims = new long[] {rank + 1 + random.nextInt(3), out};
                what = "B of rank " + bDims[0] + ", A of rank " + rank;
            }
            case 1 -> {
                List<GgufFile.TensorInfo> matrices = model.tensors().stream()
                        .filter(x -> x.dims().size() == 2 && !x.name().equals(TARGET) && !x.name().equals("token_embd.weight"))
                        .toList();
                target = matrices.get(random.nextInt(matrices.size())).name();
                what = "A and B for " + TARGET + "'s shape aimed at " + target;
            }
            case 2 -> {
                aDims = new long[] {out, rank};
                bDims = new long[] {rank, in};
                what = "A and B transposed (in " + out + ", out " + in + ")";
            }
            case 3 -> {
                onlyA = true;
                what = "A without B";
            }
            case 4 -> {
                target = "blk.99.attn_q.weight";
                what = "a pair for a tensor the base does not have";
            }
            default -> {
                aDims = new long[] {in, in};
                bDims = new long[] {in, out};
                what = "rank " + in + " (as wide as the input)";
            }
        }
        writer.tensor(target + ".lora_a", GgmlType.F32, aDims, new float[(int) (aDims[0] * aDims[1])]);
        if (!onlyA) {
            float[] b = new float[(int) (bDims[0] * bDims[1])];
            java.util.Arrays.fill(b, 0.5f);
            writer.tensor(target + ".lora_b", GgmlType.F32, bDims, b);
        }
        writer.write(file);
        return what;
    }

    /** NaN, infinities or huge values in A or B. */
    private static String hostileValues(TensorTable table, Random random) {
        TensorTable.Entry e = table.entries().get(random.nextInt(table.entries().size()));
        float value = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE}
                [random.nextInt(4)];
        long elements = e.dims()[0] * e.dims()[1];
        boolean all = random.nextBoolean();
        for (long i = 0; i < (all ? elements : 3); i++) {
            table.setFloat(e, all ? i : (long) (random.nextDouble() * elements), value);
        }
        return e.name() + (all ? " every value " : " 3 values ") + value;
    }
}
