package dev.rill.benches;

import dev.rill.AdapterSet;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.LoraAdapter;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.TokenCallback;
import dev.rill.adapters.AdapterLease;
import dev.rill.adapters.AdapterRegistry;
import dev.rill.adapters.AdapterSelection;
import dev.rill.gguf.GgufFile;
import dev.rill.testkit.LoraAdapterFile;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What LoRA adapters cost (docs/adapters.md), on the rigged model (one thread, 4 sequence slots):
 *
 * <ul>
 *   <li><b>Switch</b>: {@code steadyAdapter} and {@code switchEveryToken} generate {@value #TOKENS} tokens with
 *       one adapter, and switching between two adapters (on the same tensor) before every token. The extra
 *       time per switched step is {@code (switchEveryToken - steadyAdapter) / TOKENS}, which a shared machine
 *       blurs. {@code switchCost} is the figure to read: each invocation interleaves a one-adapter generation,
 *       one with both adapters attached (the second at scale 0: the graph a switching step runs) and a switching
 *       one, recording the time between consecutive tokens; its teardown prints the median and p99 step of
 *       each, and the switched step's extra over both baselines (median, and p99 against the baseline's median).
 *       The second baseline isolates the switch from the second adapter's compute.</li>
 *   <li><b>Load from disk</b>: {@code loadAndFree} is {@code llama_adapter_lora_init} (with Rill's header checks)
 *       and the free, for adapters of rank {@code rank} on every matrix of the model (sizes printed at setup).
 *       {@code registryHit} and {@code registryMiss} acquire and release one adapter through an
 *       {@link AdapterRegistry} that holds it, and one whose bound (0) makes every use a load.</li>
 *   <li><b>Throughput</b>: {@code fourStreamsOneAdapter} and {@code fourStreamsFourAdapters} run 4 concurrent
 *       streams of {@value #TOKENS} tokens on one adapter and on 4 different ones (which llama.cpp cannot
 *       decode in one step: the engine rotates the 4 groups); {@code fourStreamsNoAdapter} is the base.</li>
 * </ul>
 *
 * <pre>
 * ./build -q -pl benches -am install -DskipTests
 * java -jar benches/target/benchmarks.jar AdapterBenchmark -rf json -rff benches/target/adapters.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/adapters.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AdapterBenchmark {
    static final int TOKENS = 32;

    /** The rigged model with adapters for switching and throughput. */
    @State(Scope.Benchmark)
    public static class Engine {
        Path dir;
        Model model;
        final LoraAdapter[] adapters = new LoraAdapter[4];
        AdapterSet first;
        AdapterSet second;
        AdapterSet firstWithSecondAtZero;
        final Steps steady = new Steps();
        final Steps steadyBoth = new Steps();
        final Steps switching = new Steps();

        @Setup(Level.Trial)
        public void load() throws IOException {
            dir = Files.createTempDirectory("rill-bench-adapters-");
            Path modelFile = dir.resolve("plus-one.gguf");
            TestModels.plusOne().write(modelFile);
            model = Model.load(modelFile, ModelOptions.builder().promptCache(false).contextSize(1024).threads(1).parallelSequences(4).build());
            for (int i = 0; i < adapters.length; i++) {
                Path file = dir.resolve("plus-two-" + i + ".gguf");
                TestModels.plusTwoAdapter().write(file);
                adapters[i] = model.loadAdapter(file);
            }
            first = AdapterSet.of(adapters[0], 1f);
            second = AdapterSet.of(adapters[1], 1f);
            firstWithSecondAtZero = AdapterSet.builder().add(adapters[0], 1f).add(adapters[1], 0f).build();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            steady.print("steady step, one adapter");
            steadyBoth.print("steady step, the two adapters attached (one at scale 0)");
            switching.print("switched step, the two adapters in turn");
            if (steady.count > 0 && switching.count > 0) {
                for (Steps base : new Steps[] {steady, steadyBoth}) {
                    double median = base.percentile(0.5);
                    System.out.printf(Locale.ROOT, "switch extra over the %s: median %.1f µs, p99 %.1f µs%n",
                            base == steady ? "one-adapter step" : "two-attached step",
                            (switching.percentile(0.5) - median) / 1e3, (switching.percentile(0.99) - median) / 1e3);
                }
            }
            model.close();
            deleteTree(dir);
        }
    }

    /** Times between consecutive tokens, in nanoseconds: the most recent {@code 2^16} (the measurement's). */
    static final class Steps {
        final long[] nanos = new long[1 << 16];
        int count;
        long total;
        long last;

        void token(int index) {
            long now = System.nanoTime();
            if (index > 0) {
                nanos[(int) (total++ & (nanos.length - 1))] = now - last;
                count = (int) Math.min(total, nanos.length);
            }
            last = now;
        }

        double percentile(double p) {
            long[] sorted = Arrays.copyOf(nanos, count);
            Arrays.sort(sorted);
            return sorted[(int) Math.min(count - 1, Math.floor(p * count))];
        }

        void print(String what) {
            if (count > 0) {
                System.out.printf(Locale.ROOT, "%n%s: %d steps, median %.1f µs, p99 %.1f µs%n", what, count,
                        percentile(0.5) / 1e3, percentile(0.99) / 1e3);
            }
        }
    }

    /** Adapters of a given rank on every matrix of the rigged model, for load times. */
    @State(Scope.Benchmark)
    public static class Loading {
        @Param({"4", "64", "512"})
        public int rank;

        Path dir;
        Model model;
        Path adapterFile;
        AdapterRegistry holding;
        AdapterRegistry loadingEveryTime;
        final AdapterSelection selection = AdapterSelection.of("bench");

        @Setup(Level.Trial)
        public void load() throws IOException {
            dir = Files.createTempDirectory("rill-bench-adapter-load-");
            Path modelFile = dir.resolve("plus-one.gguf");
            TestModels.plusOne().write(modelFile);
            model = Model.load(modelFile, ModelOptions.builder().promptCache(false).contextSize(256).threads(1).build());
            List<LoraAdapterFile.Target> targets = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(rank);
            for (GgufFile.TensorInfo tensor : GgufFile.read(modelFile).tensors()) {
                if (tensor.dims().size() != 2 || tensor.name().equals("token_embd.weight")) {
                    continue;
                }
                int in = Math.toIntExact(tensor.dims().get(0));
                int out = Math.toIntExact(tensor.dims().get(1));
                targets.add(new LoraAdapterFile.Target(tensor.name(), gaussian(random, rank, in),
                        gaussian(random, out, rank)));
            }
            adapterFile = dir.resolve("rank-" + rank + ".gguf");
            long bytes = new LoraAdapterFile("rank-" + rank, rank, targets).write(adapterFile);
            System.out.printf(Locale.ROOT, "%nrank %d on %d matrices: %.2f MiB%n", rank, targets.size(), bytes / 1048576.0);
            holding = AdapterRegistry.create(model);
            holding.register("bench", adapterFile);
            holding.load("bench");
            loadingEveryTime = AdapterRegistry.create(model, 0);
            loadingEveryTime.register("bench", adapterFile);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            holding.close();
            loadingEveryTime.close();
            model.close();
            deleteTree(dir);
        }

        private static float[][] gaussian(SplittableRandom random, int rows, int columns) {
            float[][] m = new float[rows][columns];
            for (float[] row : m) {
                for (int i = 0; i < columns; i++) {
                    row[i] = (float) random.nextGaussian() * 0.01f;
                }
            }
            return m;
        }
    }

    private static GenerationRequest request(AdapterSet adapters) {
        return GenerationRequest.builder("abc").maxTokens(TOKENS).adapters(adapters).build();
    }

    @Benchmark
    public String steadyAdapter(Engine engine) {
        Steps steps = engine.steady;
        return engine.model.generate(request(engine.first), (token, g) -> steps.token(token.index())).text();
    }

    @Benchmark
    public String switchEveryToken(Engine engine) {
        Steps steps = engine.switching;
        return engine.model.generate(request(engine.first), (token, g) -> {
            steps.token(token.index());
            g.switchAdapters(token.index() % 2 == 0 ? engine.second : engine.first);
        }).text();
    }

    /**
     * The three kinds of step interleaved in one fork, so that a shared machine's changing load falls on all of
     * them alike: read the step percentiles the teardown prints, not this benchmark's time.
     */
    @Benchmark
    public int switchCost(Engine engine) {
        int n = engine.model.generate(request(engine.first), (token, g) -> engine.steady.token(token.index())).text().length();
        n += engine.model.generate(request(engine.firstWithSecondAtZero),
                (token, g) -> engine.steadyBoth.token(token.index())).text().length();
        n += engine.model.generate(request(engine.first), (token, g) -> {
            engine.switching.token(token.index());
            g.switchAdapters(token.index() % 2 == 0 ? engine.second : engine.first);
        }).text().length();
        return n;
    }

    @Benchmark
    public void loadAndFree(Loading loading) {
        loading.model.loadAdapter(loading.adapterFile).close();
    }

    @Benchmark
    public AdapterSet registryHit(Loading loading) {
        try (AdapterLease lease = loading.holding.acquire(loading.selection)) {
            return lease.adapters();
        }
    }

    @Benchmark
    public AdapterSet registryMiss(Loading loading) {
        try (AdapterLease lease = loading.loadingEveryTime.acquire(loading.selection)) {
            return lease.adapters();
        }
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long fourStreamsNoAdapter(Engine engine) {
        return streams(engine, AdapterSet.none(), AdapterSet.none(), AdapterSet.none(), AdapterSet.none());
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long fourStreamsOneAdapter(Engine engine) {
        return streams(engine, engine.first, engine.first, engine.first, engine.first);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public long fourStreamsFourAdapters(Engine engine) {
        AdapterSet[] sets = new AdapterSet[4];
        for (int i = 0; i < 4; i++) {
            sets[i] = AdapterSet.of(engine.adapters[i], 1f);
        }
        return streams(engine, sets);
    }

    private static long streams(Engine engine, AdapterSet... sets) {
        List<Generation> generations = new ArrayList<>(sets.length);
        for (AdapterSet set : sets) {
            generations.add(engine.model.submit(request(set), TokenCallback.ignore()));
        }
        long tokens = 0;
        for (Generation generation : generations) {
            tokens += generation.result().join().generatedTokens();
        }
        if (tokens != (long) sets.length * TOKENS) {
            throw new IllegalStateException("expected " + sets.length * TOKENS + " tokens, got " + tokens);
        }
        return tokens;
    }

    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
