package dev.rill.testkit;

import dev.rill.gguf.GgufWriter;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A LoRA adapter file for a llama-architecture model, written as GGUF with {@code general.type = "adapter"},
 * {@code adapter.type = "lora"} and {@code adapter.lora.alpha}. (Not {@code dev.rill.LoraAdapter}, the adapter a
 * model loads from such a file.)
 *
 * <p>For a base matrix {@code W} with {@code out} rows of {@code in} values (ggml dims {@code {in, out}}), a
 * {@link Target} holds {@code A} ({@code rank} rows of {@code in} values) and {@code B} ({@code out} rows of
 * {@code rank} values). llama.cpp b4916 then computes {@code W x + s B (A x)} with
 * {@code s = scale * alpha / rank} when alpha is not 0, and {@code s = scale} when it is, {@code scale} being the
 * value given to {@code llama_set_adapter_lora}. They are stored as F32 tensors {@code <W>.lora_a} (dims
 * {@code {in, rank}}) and {@code <W>.lora_b} (dims {@code {rank, out}}).
 */
public record LoraAdapterFile(String name, float alpha, List<Target> targets) {

    /**
     * The low-rank update of one base tensor.
     *
     * @param tensor the base tensor's name, such as {@code output.weight} or {@code blk.0.attn_q.weight};
     *               {@code token_embd.weight} is not supported (llama.cpp lays its pair out differently)
     * @param a      {@code rank} rows of {@code in} values
     * @param b      {@code out} rows of {@code rank} values
     */
    public record Target(String tensor, float[][] a, float[][] b) {
        public Target {
            Objects.requireNonNull(tensor, "tensor");
            if (tensor.equals("token_embd.weight")) {
                throw new IllegalArgumentException("LoRA on token_embd.weight is not supported");
            }
            rectangular("A of " + tensor, a);
            int rank = a.length;
            int bWidth = rectangular("B of " + tensor, b);
            if (bWidth != rank) {
                throw new IllegalArgumentException("B of " + tensor + " has rows of " + bWidth
                        + " values but A has rank " + rank + " rows");
            }
            a = deepCopy(a);
            b = deepCopy(b);
        }

        /** The rank (rows of A, columns of B). */
        public int rank() {
            return a.length;
        }

        /** The base tensor's row length. */
        public int inputs() {
            return a[0].length;
        }

        /** The base tensor's row count. */
        public int outputs() {
            return b.length;
        }
    }

    public LoraAdapterFile {
        Objects.requireNonNull(name, "name");
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("an adapter needs at least one target");
        }
        Set<String> seen = new HashSet<>();
        for (Target target : targets) {
            if (!seen.add(target.tensor())) {
                throw new IllegalArgumentException("tensor '" + target.tensor() + "' is targeted twice");
            }
        }
    }

    /** Checks every target against the base model's tensor infos; throws if a tensor is missing or misshaped. */
    public void checkAgainst(GgufFile base) {
        for (Target target : targets) {
            List<Long> dims = base.tensor(target.tensor()).dims();
            if (dims.size() != 2 || dims.get(0) != target.inputs() || dims.get(1) != target.outputs()) {
                throw new IllegalArgumentException("tensor '" + target.tensor() + "' has dims " + dims
                        + " but the adapter expects [" + target.inputs() + ", " + target.outputs() + "]");
            }
        }
    }

    /** Writes the adapter as GGUF and returns the file size. */
    public long write(Path path) throws IOException {
        GgufWriter writer = new GgufWriter()
                .metadata("general.architecture", GgufValue.string("llama"))
                .metadata("general.type", GgufValue.string("adapter"))
                .metadata("general.name", GgufValue.string(name))
                .metadata("adapter.type", GgufValue.string("lora"))
                .metadata("adapter.lora.alpha", GgufValue.float32(alpha));
        for (Target target : targets) {
            writer.tensor(target.tensor() + ".lora_a", GgmlType.F32, new long[] {target.inputs(), target.rank()},
                    rowsOf(target.a()));
            writer.tensor(target.tensor() + ".lora_b", GgmlType.F32, new long[] {target.rank(), target.outputs()},
                    rowsOf(target.b()));
        }
        return writer.write(path);
    }

    private static GgufWriter.RowSource rowsOf(float[][] matrix) {
        return (row, values) -> System.arraycopy(matrix[(int) row], 0, values, 0, values.length);
    }

    /** Checks that {@code matrix} is a non-empty rectangle and returns its row length. */
    private static int rectangular(String what, float[][] matrix) {
        if (matrix == null || matrix.length == 0 || matrix[0] == null || matrix[0].length == 0) {
            throw new IllegalArgumentException(what + " must have at least one row and one column");
        }
        for (float[] row : matrix) {
            if (row == null || row.length != matrix[0].length) {
                throw new IllegalArgumentException(what + " is not rectangular");
            }
        }
        return matrix[0].length;
    }

    private static float[][] deepCopy(float[][] matrix) {
        float[][] copy = new float[matrix.length][];
        for (int i = 0; i < matrix.length; i++) {
            copy[i] = matrix[i].clone();
        }
        return copy;
    }
}
