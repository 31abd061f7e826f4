package dev.rill.benches;

import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.TokenCallback;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Native memory soak: many short generations, with the model closed and loaded again (its context and engine
 * thread created and freed) every few of them, printing the process's resident memory as it goes. Freed native
 * memory that is not given back, or not freed at all, shows as resident memory that keeps growing.
 *
 * <p>Runs {@code generations} (default 10,000) greedy generations of {@value #TOKENS} tokens on the rigged
 * {@link TestModels#plusOne()} model, checking each text, reloads the model every {@code reloadEvery} (default
 * 100) generations and prints VmRSS, RssAnon, RssFile and Threads from {@code /proc/self/status} and the Java heap in use
 * every {@code reportEvery} (default 1,000). A fixed, pre-touched Java heap keeps the heap's share of the
 * resident memory constant, so that what moves is native:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xms64m -Xmx64m -XX:+AlwaysPreTouch \
 *     -cp benches/target/benchmarks.jar dev.rill.benches.Soak [generations [reloadEvery [reportEvery]]]
 * </pre>
 */
public final class Soak {
    static final int TOKENS = 8;
    static final String PROMPT = "abc";
    static final int THREADS = 2;
    static final int CONTEXT_SIZE = 512;

    private Soak() {
    }

    public static void main(String[] args) throws IOException {
        int generations = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int reloadEvery = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int reportEvery = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        RiggedModel rigged = TestModels.plusOne();
        String expected = rigged.expectedText(PROMPT, TOKENS);
        Path dir = Files.createTempDirectory("rill-soak-");
        Path file = dir.resolve("rigged-plus-one.gguf");
        rigged.write(file);
        ModelOptions options = ModelOptions.builder().promptCache(false).threads(THREADS).contextSize(CONTEXT_SIZE).build();
        GenerationRequest request = GenerationRequest.builder(PROMPT).maxTokens(TOKENS).build();
        TokenCallback callback = TokenCallback.ignore();
        long start = System.nanoTime();
        int loads = 0;
        Model model = null;
        System.out.printf(Locale.ROOT, "soak: %,d generations of %d tokens, a new model every %d, %d threads%n",
                generations, TOKENS, reloadEvery, THREADS);
        System.out.println("generations  loads  VmRSS_kB  RssAnon_kB  RssFile_kB  heap_used_kB  threads  seconds");
        try {
            for (int i = 0; i < generations; i++) {
                if (i % reloadEvery == 0) {
                    if (model != null) {
                        model.close();
                    }
                    model = Model.load(file, options);
                    loads++;
                }
                if (i == 0) {
                    report(0, loads, start); // the first model is loaded, nothing generated yet
                }
                GenerationResult result = model.generate(request, callback);
                if (result.finishReason() != FinishReason.MAX_TOKENS || !result.text().equals(expected)) {
                    throw new IllegalStateException("generation " + i + " gave \"" + result.text() + "\" ("
                            + result.finishReason() + "), expected \"" + expected + "\"");
                }
                if ((i + 1) % reportEvery == 0) {
                    report(i + 1, loads, start);
                }
            }
        } finally {
            if (model != null) {
                model.close();
            }
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
        report(generations, loads, start);
        System.out.println("(last line: after the last model was closed)");
    }

    private static void report(int generations, int loads, long start) throws IOException {
        Map<String, Long> status = status();
        long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024;
        System.out.printf(Locale.ROOT, "%11d  %5d  %8d  %10d  %10d  %12d  %7d  %7.1f%n", generations, loads,
                status.getOrDefault("VmRSS", -1L), status.getOrDefault("RssAnon", -1L),
                status.getOrDefault("RssFile", -1L), heapUsed, status.getOrDefault("Threads", -1L),
                (System.nanoTime() - start) / 1e9);
    }

    /** The numeric fields of /proc/self/status (sizes in kB). */
    static Map<String, Long> status() throws IOException {
        Map<String, Long> values = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).strip();
            if (value.endsWith(" kB")) {
                value = value.substring(0, value.length() - 3);
            }
            if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
                values.put(line.substring(0, colon), Long.parseLong(value));
            }
        }
        return values;
    }
}
