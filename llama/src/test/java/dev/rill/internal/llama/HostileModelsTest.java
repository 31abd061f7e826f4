package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufFile;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
import dev.rill.testkit.GgufEdits;
import dev.rill.testkit.TestModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mutation run of issue #15: files that pass Java's checks and still reach llama.cpp. It writes
 * {@code rill.hostile.files} structurally valid GGUF files, each the rigged model with one to three metadata values
 * made hostile (zero, negative, huge, NaN, another type, an array cut short, a key removed) or a matrix's
 * dimensions swapped, and loads each in a child JVM ({@link HostileModelProbe}) on the profile of this test run,
 * so that a native crash is observed, not suffered. Every outcome is written to
 * {@code target/hostile-models-<profile>.txt}; crashes and hangs also to standard output. Skipped unless
 * {@code rill.hostile.files} is set, for it takes minutes:
 *
 * <pre>{@code
 * ./build -pl llama -am test -Dtest=HostileModelsTest -Dsurefire.failIfNoSpecifiedTests=false -Drill.hostile.files=200
 * }</pre>
 *
 * (both surefire executions run it: the current release, then b4916). It records; it does not fail on a crash.
 * Each crash found is turned into a Java-side check with its own regression test, or documented in
 * docs/reliability.md.
 */
class HostileModelsTest {
    @TempDir
    Path dir;

    @Test
    void hostileModelsAreLoadedOrRefusedInChildJvms() throws Exception {
        int files = Integer.getInteger("rill.hostile.files", 0);
        assumeTrue(files > 0, "set -Drill.hostile.files=N to run the mutation run");
        long seed = Long.getLong("rill.hostile.seed", 15L);
        String profile = System.getProperty(LlamaRuntime.PROFILE_PROPERTY, "current");
        Path base = dir.resolve("base.gguf");
        TestModels.plusOne().write(base);
        GgufFile original = GgufFile.read(base);
        Map<String, float[]> data = new LinkedHashMap<>();
        for (GgufFile.TensorInfo t : original.tensors()) {
            data.put(t.name(), original.readFloats(t.name()));
        }
        List<HostileRuns.Mutant> mutants = new ArrayList<>();
        Random random = new Random(seed);
        for (int i = 0; i < files; i++) {
            mutants.add(mutate(original, data, random, dir.resolve(String.format("m%04d.gguf", i))));
        }
        HostileRuns.runAndReport(mutants, profile, "models", seed);
    }

    /**
     * Keys of the llama architecture and the tokenizer that the rigged model does not set, with the GGUF type
     * llama.cpp reads them as; {@link #addedKeysAreLoadedOrRefusedInChildJvms} adds them with hostile values.
     */
    private static final Map<String, GgufValue.Type> ABSENT_KEYS = Map.ofEntries(
            Map.entry("llama.expert_count", GgufValue.Type.UINT32),
            Map.entry("llama.expert_used_count", GgufValue.Type.UINT32),
            Map.entry("llama.expert_shared_count", GgufValue.Type.UINT32),
            Map.entry("llama.leading_dense_block_count", GgufValue.Type.UINT32),
            Map.entry("llama.rope.scaling.type", GgufValue.Type.STRING),
            Map.entry("llama.rope.scaling.factor", GgufValue.Type.FLOAT32),
            Map.entry("llama.rope.scaling.attn_factor", GgufValue.Type.FLOAT32),
            Map.entry("llama.rope.scaling.original_context_length", GgufValue.Type.UINT32),
            Map.entry("llama.rope.scaling.yarn_beta_fast", GgufValue.Type.FLOAT32),
            Map.entry("llama.attention.sliding_window", GgufValue.Type.UINT32),
            Map.entry("llama.attention.clamp_kqv", GgufValue.Type.FLOAT32),
            Map.entry("llama.attention.max_alibi_bias", GgufValue.Type.FLOAT32),
            Map.entry("llama.attention.causal", GgufValue.Type.BOOL),
            Map.entry("llama.logit_scale", GgufValue.Type.FLOAT32),
            Map.entry("llama.pooling_type", GgufValue.Type.UINT32),
            Map.entry("llama.decoder_start_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.pre", GgufValue.Type.STRING),
            Map.entry("tokenizer.ggml.padding_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.eot_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.eom_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.seperator_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.cls_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.mask_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.fim_pre_token_id", GgufValue.Type.UINT32),
            Map.entry("tokenizer.ggml.add_sep_token", GgufValue.Type.BOOL),
            Map.entry("tokenizer.ggml.remove_extra_whitespaces", GgufValue.Type.BOOL),
            Map.entry("tokenizer.chat_template", GgufValue.Type.STRING));

    private static final String[] HOSTILE_NAMES = {"yarn", "linear", "longrope", "none", "gpt2", "llama-bpe", "qwen2",
        "bert", "t5", "rwkv", "", "{{ raise_exception('x') }}", "{% for %}"};

    /**
     * The metadata run on keys the rigged model lacks: each file adds one to three of {@link #ABSENT_KEYS} with a
     * hostile value of its type (or a neighbour such as the vocabulary size for a token id). Outcomes go to
     * {@code target/hostile-added-keys-<profile>.txt}; skipped unless {@code rill.hostile.files} is set.
     */
    @Test
    void addedKeysAreLoadedOrRefusedInChildJvms() throws Exception {
        int files = Integer.getInteger("rill.hostile.files", 0);
        assumeTrue(files > 0, "set -Drill.hostile.files=N to run the mutation run");
        long seed = Long.getLong("rill.hostile.seed", 15L);
        String profile = System.getProperty(LlamaRuntime.PROFILE_PROPERTY, "current");
        Path base = dir.resolve("base.gguf");
        TestModels.plusOne().write(base);
        GgufFile original = GgufFile.read(base);
        List<String> keys = ABSENT_KEYS.keySet().stream().sorted().toList();
        Random random = new Random(seed);
        List<HostileRuns.Mutant> mutants = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Map<String, GgufValue> changes = new LinkedHashMap<>();
            int count = 1 + random.nextInt(3);
            for (int c = 0; c < count; c++) {
                String key = keys.get(random.nextInt(keys.size()));
                GgufValue.Type type = ABSENT_KEYS.get(key);
                Object value = switch (type) {
                    case STRING -> HOSTILE_NAMES[random.nextInt(HOSTILE_NAMES.length)];
                    case UINT32 -> random.nextInt(3) == 0 ? (long) (random.nextInt(300)) : hostile(type, 259L, random);
                    default -> hostile(type, type == GgufValue.Type.BOOL ? Boolean.TRUE : null, random);
                };
                changes.put(key, new GgufValue.Scalar(type, value));
            }
            Path file = dir.resolve(String.format("k%04d.gguf", i));
            GgufEdits.withMetadata(original, file, changes);
            mutants.add(HostileRuns.Mutant.of(file, changes.entrySet().stream()
                    .map(e -> e.getKey() + " = " + ((GgufValue.Scalar) e.getValue()).value()).toList().toString()));
        }
        HostileRuns.runAndReport(mutants, profile, "added-keys", seed);
    }

    private static HostileRuns.Mutant mutate(GgufFile original, Map<String, float[]> data, Random random, Path path)
            throws IOException {
        Map<String, GgufValue> metadata = new LinkedHashMap<>(original.metadata());
        metadata.remove(GgufWriter.ALIGNMENT_KEY);
        List<String> keys = new ArrayList<>(metadata.keySet());
        List<String> changes = new ArrayList<>();
        List<GgufFile.TensorInfo> tensors = new ArrayList<>(original.tensors());
        String swapped = null;
        int count = 1 + random.nextInt(3);
        for (int c = 0; c < count; c++) {
            if (random.nextInt(10) == 0) {
                List<GgufFile.TensorInfo> matrices = tensors.stream().filter(t -> t.dims().size() == 2
                        && !t.dims().get(0).equals(t.dims().get(1))).toList();
                if (!matrices.isEmpty()) {
                    swapped = matrices.get(random.nextInt(matrices.size())).name();
                    changes.add("swap dims of " + swapped);
                    continue;
                }
            }
            String key = keys.get(random.nextInt(keys.size()));
            GgufValue value = metadata.get(key);
            int how = random.nextInt(8);
            if (how == 0) {
                metadata.remove(key);
                changes.add("remove " + key);
            } else if (how == 1) {
                GgufValue other = otherType(value, random);
                metadata.put(key, other);
                changes.add(key + " as " + describe(other));
            } else if (value instanceof GgufValue.Array(GgufValue.Type type, List<Object> elements)) {
                List<Object> changed = new ArrayList<>(elements);
                String what;
                if (changed.isEmpty() || random.nextBoolean()) {
                    int keep = changed.isEmpty() ? 0 : random.nextInt(changed.size());
                    changed = new ArrayList<>(changed.subList(0, keep));
                    what = "cut to " + keep + " elements";
                } else {
                    int at = random.nextInt(changed.size());
                    Object hostile = hostile(type, changed.get(at), random);
                    changed.set(at, hostile);
                    what = "[" + at + "] = " + hostile;
                }
                metadata.put(key, new GgufValue.Array(type, changed));
                changes.add(key + " " + what);
            } else if (value instanceof GgufValue.Scalar(GgufValue.Type type, Object old)) {
                Object hostile = hostile(type, old, random);
                metadata.put(key, new GgufValue.Scalar(type, hostile));
                changes.add(key + " = " + (hostile instanceof String s && s.length() > 20 ? "a string of " + s.length()
                        + " chars" : hostile));
            }
        }
        GgufWriter writer = new GgufWriter();
        metadata.forEach(writer::metadata);
        for (GgufFile.TensorInfo t : tensors) {
            long[] dims = t.dims().stream().mapToLong(Long::longValue).toArray();
            if (t.name().equals(swapped)) {
                dims = new long[] {dims[1], dims[0]};
            }
            writer.tensor(t.name(), t.type() == GgmlType.F32 || t.type() == GgmlType.F16 ? t.type() : GgmlType.F32,
                    dims, data.get(t.name()));
        }
        writer.write(path);
        return HostileRuns.Mutant.of(path, String.join("; ", changes));
    }

    private static String describe(GgufValue value) {
        return switch (value) {
            case GgufValue.Scalar(GgufValue.Type type, Object v) -> type + " " + v;
            case GgufValue.Array(GgufValue.Type type, List<Object> elements) -> type + "[" + elements.size() + "]";
        };
    }

    /** The same value in another GGUF type: a number as a string, a string as a number, an array as a scalar. */
    private static GgufValue otherType(GgufValue value, Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> new GgufValue.Scalar(GgufValue.Type.STRING, "7");
            case 1 -> new GgufValue.Scalar(GgufValue.Type.FLOAT32, 7f);
            case 2 -> new GgufValue.Scalar(GgufValue.Type.UINT8, 7);
            default -> value instanceof GgufValue.Array ? new GgufValue.Scalar(GgufValue.Type.INT32, 3)
                    : new GgufValue.Array(GgufValue.Type.UINT8, List.of(1, 2, 3));
        };
    }

    /** A hostile value of {@code type}, or one near {@code old}. */
    private static Object hostile(GgufValue.Type type, Object old, Random random) {
        int pick = random.nextInt(6);
        return switch (type) {
            case UINT8 -> new int[] {0, 1, 255, 254, 2, 128}[pick];
            case INT8 -> new int[] {0, -1, -128, 127, 1, 2}[pick];
            case UINT16 -> new int[] {0, 1, 65535, 32768, 2, 3}[pick];
            case INT16 -> new int[] {0, -1, -32768, 32767, 1, 2}[pick];
            case UINT32 -> new long[] {0, 1, 0xFFFF_FFFFL, 0x8000_0000L, ((Long) old) + 1 & 0xFFFF_FFFFL,
                ((Long) old) * 1000 & 0xFFFF_FFFFL}[pick];
            case INT32 -> new int[] {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, ((Integer) old) + 1, 1 << 20}[pick];
            case UINT64, INT64 -> new long[] {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, ((Long) old) + 1}[pick];
            case FLOAT32 -> new float[] {Float.NaN, Float.POSITIVE_INFINITY, 0f, -1f, 1e30f, Float.NEGATIVE_INFINITY}[pick];
            case FLOAT64 -> new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0, -1, 1e300, -0.0}[pick];
            case BOOL -> !(Boolean) old;
            case STRING -> new String[] {"", "gpt9", "x".repeat(1 << 16), "\uFFFD\u0000", "llama", "%s%n"}[pick];
            case ARRAY -> throw new IllegalArgumentException("no nested arrays");
        };
    }
}
