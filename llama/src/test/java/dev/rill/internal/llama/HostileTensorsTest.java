package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.testkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mutation run of issue #15 on the tensor table and tensor data: each file is the rigged model with one to three
 * changes made in place ({@link TensorTable}), so that the header keeps its length and the file its layout, and
 * Java's structural checks let it through unless the change itself is one they catch. The changes: a tensor's type
 * swapped for another of the same bytes per element (F32 and I32; F16, BF16 and I16), or for F16 with twice the
 * row length (the same bytes per row), or for a quantized type (smaller data); a matrix's dimensions swapped or
 * reshaped to the same element count; a tensor's offset pointed at another tensor's data; weights set to NaN,
 * infinities, huge or subnormal values; an unknown type id. Each file is loaded in a child JVM
 * ({@link HostileRuns}); outcomes go to {@code target/hostile-tensors-<profile>.txt}. Skipped unless
 * {@code rill.hostile.files} is set:
 *
 * <pre>{@code
 * ./build -pl llama -am test -Dtest='HostileTensorsTest' -Dsurefire.failIfNoSpecifiedTests=false -Drill.hostile.files=300
 * }</pre>
 */
class HostileTensorsTest {
    private static final int F32 = 0;
    private static final int F16 = 1;
    private static final int Q4_0 = 2;
    private static final int Q8_0 = 8;
    private static final int I16 = 25;
    private static final int I32 = 26;
    private static final int BF16 = 30;

    @TempDir
    Path dir;

    @Test
    void hostileTensorTablesAreLoadedOrRefusedInChildJvms() throws Exception {
        int files = Integer.getInteger("rill.hostile.files", 0);
        assumeTrue(files > 0, "set -Drill.hostile.files=N to run the mutation run");
        long seed = Long.getLong("rill.hostile.seed", 15L);
        String profile = System.getProperty(LlamaRuntime.PROFILE_PROPERTY, "current");
        Path base = dir.resolve("base.gguf");
        TestModels.plusOne().write(base);
        Random random = new Random(seed);
        List<HostileRuns.Mutant> mutants = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Path file = dir.resolve(String.format("t%04d.gguf", i));
            Files.copy(base, file);
            TensorTable table = TensorTable.read(file);
            List<String> changes = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            for (int c = 0; c < count; c++) {
                changes.add(mutate(table, random));
            }
            table.write(file);
            mutants.add(HostileRuns.Mutant.of(file, String.join("; ", changes)));
        }
        HostileRuns.runAndReport(mutants, profile, "tensors", seed);
    }

    /** Makes one change to {@code table} and says what it was. */
    static String mutate(TensorTable table, Random random) {
        List<TensorTable.Entry> entries = table.entries();
        TensorTable.Entry e = entries.get(random.nextInt(entries.size()));
        long[] dims = e.dims();
        switch (random.nextInt(7)) {
            case 0 -> {
                int to = switch (e.type()) {
                    case F32 -> I32;
                    case F16 -> random.nextBoolean() ? BF16 : I16;
                    default -> F32;
                };
                table.setType(e, to);
                return e.name() + " type " + e.type() + " -> " + to + " (same bytes per element)";
            }
            case 1 -> {
                if (e.type() == F32) {
                    long[] twice = dims.clone();
                    twice[0] *= 2;
                    table.setType(e, F16);
                    table.setDims(e, twice);
                    return e.name() + " F32 -> F16 with rows of " + twice[0] + " (same bytes per row)";
                }
                int to = random.nextBoolean() ? Q8_0 : Q4_0;
                table.setType(e, to);
                return e.name() + " type " + e.type() + " -> " + to + " (quantized, less data)";
            }
            case 2 -> {
                if (dims.length == 2) {
                    long[] swapped = {dims[1], dims[0]};
                    if (random.nextBoolean() && dims[1] % 2 == 0) {
                        swapped = new long[] {dims[0] * 2, dims[1] / 2};
                    }
                    table.setDims(e, swapped);
                    return e.name() + " dims [" + dims[0] + ", " + dims[1] + "] -> [" + swapped[0] + ", " + swapped[1] + "]";
                }
                long[] grown = {dims[0] + 1};
                table.setDims(e, grown);
                return e.name() + " dims [" + dims[0] + "] -> [" + grown[0] + "] (past its data)";
            }
            case 3 -> {
                TensorTable.Entry other = entries.get(random.nextInt(entries.size()));
                table.setOffset(e, other.offset());
                return e.name() + " offset -> " + other.name() + "'s data";
            }
            case 4 -> {
                if (e.type() != F32) {
                    table.setType(e, 39 + random.nextInt(1000));
                    return e.name() + " an unknown type id";
                }
                float value = new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                    -Float.MAX_VALUE, Float.MIN_VALUE}[random.nextInt(6)];
                long elements = 1;
                for (long d : dims) {
                    elements *= d;
                }
                boolean all = random.nextInt(4) == 0;
                long n = all ? elements : 1 + random.nextInt(8);
                for (long i = 0; i < n; i++) {
                    table.setFloat(e, all ? i : (long) (random.nextDouble() * elements), value);
                }
                return e.name() + (all ? " every weight " : " " + n + " weights ") + value;
            }
            case 5 -> {
                table.setType(e, new int[] {4, 5, 31, 40, -1}[random.nextInt(5)]);
                return e.name() + " type id of a removed or unknown type";
            }
            default -> {
                // Two tensors swap their data.
                TensorTable.Entry other = entries.get(random.nextInt(entries.size()));
                table.setOffset(e, other.offset());
                table.setOffset(other, e.offset());
                return e.name() + " and " + other.name() + " swap offsets";
            }
        }
    }
}
