package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufFile;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
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

    private record Mutant(Path path, String description) {
    }

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
        List<Mutant> mutants = new ArrayList<>();
        Random random = new Random(seed);
        for (int i = 0; i < files; i++) {
            mutants.add(mutate(original, data, random, dir.resolve(String.format("m%04d.gguf", i))));
        }
        Map<String, String> outcomes = run(mutants, profile);
        StringBuilder report = new StringBuilder();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Mutant m : mutants) {
            String name = m.path().getFileName().toString();
            String outcome = outcomes.getOrDefault(name, "NOT-RUN");
            String kind = outcome.split(" ", 2)[0] + (outcome.startsWith("REFUSED") ? " " + outcome.split(" ")[1] : "");
            counts.merge(kind, 1, Integer::sum);
            report.append(name).append('\t').append(m.description()).append('\t').append(outcome).append('\n');
            if (outcome.startsWith("CRASH") || outcome.startsWith("HANG") || outcome.startsWith("ERROR")) {
                System.out.println("hostile model " + name + " [" + m.description() + "]: " + outcome);
            }
        }
        report.append("# profile ").append(profile).append(", seed ").append(seed).append(": ").append(counts).append('\n');
        Path out = Path.of("target", "hostile-models-" + profile + ".txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println("hostile models, profile " + profile + ", " + files + " files: " + counts + " (" + out + ")");
    }

    /** Runs the probe over {@code mutants}, a new child after each crash or hang; returns the outcome per file. */
    private static Map<String, String> run(List<Mutant> mutants, String profile) throws Exception {
        Map<String, String> outcomes = new LinkedHashMap<>();
        int next = 0;
        while (next < mutants.size()) {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-Xss2m", "-Xmx512m",
                    "-D" + LlamaRuntime.PROFILE_PROPERTY + "=" + profile, "-cp", System.getProperty("java.class.path"),
                    HostileModelProbe.class.getName()));
            for (int i = next; i < mutants.size(); i++) {
                command.add(mutants.get(i).path().toString());
            }
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null;) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the child is gone; its exit status says how
                } finally {
                    lines.add("\u0000EOF");
                }
            });
            String current = null;
            boolean hung = false;
            java.util.ArrayDeque<String> said = new java.util.ArrayDeque<>(); // the child's last words: an abort's reason
            while (true) {
                String line = lines.poll(60, TimeUnit.SECONDS);
                if (line == null) {
                    hung = true;
                    process.destroyForcibly();
                    break;
                }
                if (line.equals("\u0000EOF")) {
                    break;
                }
                if (line.startsWith("BEGIN ")) {
                    current = line.substring(6);
                    said.clear();
                } else if (current != null && (line.startsWith("LOADED " + current) || line.startsWith("REFUSED " + current)
                        || line.startsWith("ERROR " + current))) {
                    outcomes.put(current, line.replace(" " + current, ""));
                    current = null;
                    next++;
                } else if (line.contains("GGML_ASSERT") || line.contains("error") || line.contains("terminate")
                        || line.contains("what()") || line.contains("SIGSEGV") || line.contains("abort")) {
                    said.add(line.strip());
                    if (said.size() > 3) {
                        said.removeFirst();
                    }
                }
            }
            process.waitFor(30, TimeUnit.SECONDS);
            reader.join(5000);
            if (current != null) {
                outcomes.put(current, (hung ? "HANG (no answer in 60 s)" : "CRASH exit " + process.exitValue())
                        + (said.isEmpty() ? "" : ": " + String.join(" | ", said)));
                next++;
            } else if (next < mutants.size() && !hung) {
                // The child ended between files: count the next one as the crash, so the run moves on.
                outcomes.put(mutants.get(next).path().getFileName().toString(), "CRASH exit " + process.exitValue()
                        + " (before BEGIN)");
                next++;
            }
        }
        return outcomes;
    }

    private static Mutant mutate(GgufFile original, Map<String, float[]> data, Random random, Path path)
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
        return new Mutant(path, String.join("; ", changes));
    }

    /** Writes {@code original} to {@code path} with {@code changes} to its metadata (a null value removes the key). */
    static void rewrite(GgufFile original, Path path, Map<String, GgufValue> changes) throws IOException {
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
        writer.write(path);
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
