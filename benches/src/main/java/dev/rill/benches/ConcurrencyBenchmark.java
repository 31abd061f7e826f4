package dev.rill.benches;

import dev.rill.FinishReason;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.TokenCallback;
import dev.rill.gguf.GgmlType;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * How much do concurrent streams gain from sharing one decode per step?
 *
 * <p>Each invocation submits {@code streams} greedy generations of {@value #TOKENS} tokens at once to one model
 * (the random-weight 32k model, Q8_0 or F16, {@value #THREADS} threads, 8 sequence slots) and waits for all of them. The
 * aggregate rate is {@code streams * TOKENS / time}; the figure that matters is the ratio of that rate to the
 * 1-stream rate measured in the same run. Every stream has a prompt of its own (different lengths), so prompt
 * chunks and running tokens share steps as they would in a service.
 *
 * <p>Control: with 1 stream the time is one prompt evaluation plus {@value #TOKENS} single-token decodes; if
 * batching did nothing, {@code n} streams would take {@code n} times as long and every ratio would be 1.
 *
 * <p>Ceiling: {@link #rawBatched} does the same greedy work straight over the binding (all prompts in one
 * decode, then one decode per step holding every sequence's token, an argmax per sequence, no engine), on a
 * second context of the same model. Its {@code n}-stream / 1-stream ratio is what llama.cpp's CPU kernels allow
 * on this machine; the engine's ratio can approach it, never pass it.
 *
 * <pre>
 * ./build -q -pl benches -am install -DskipTests
 * java -jar benches/target/benchmarks.jar ConcurrencyBenchmark -rf json -rff benches/target/concurrency.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/concurrency.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 6, time = 4)
@State(Scope.Benchmark)
public class ConcurrencyBenchmark {
    static final int TOKENS = 32;
    static final int THREADS = 2;
    static final String[] PROMPTS = {
        "The quick brown fox jumps over the lazy dog", "Once upon a time", "In a hole in the ground there lived",
        "It was the best of times", "Call me", "All happy families are alike", "Space: the final frontier",
        "Lorem ipsum dolor sit amet, consectetur"};

    @Param({"1", "2", "4", "8"})
    public int streams;

    /**
     * The weights' type (Q4_0, Q8_0, F16 or F32). It decides how much batching can pay on a CPU, where the
     * matrix kernels of a model this size are bound by arithmetic more than by memory: see the ceiling.
     */
    @Param({"Q4_0", "Q8_0"})
    public String weights;

    private Path dir;
    private Model model;
    private RawLoop raw;
    private String[] prompts;

    /**
     * Loads the engine for {@link #concurrentStreams}, the raw loop for {@link #rawBatched}, never both: a second
     * thread that decodes in the same process doubles every decode's cost (docs/performance.md, "A measurement
     * trap").
     */
    @Setup(Level.Trial)
    public void load(BenchmarkParams benchmark) throws IOException {
        dir = Files.createTempDirectory("rill-bench-concurrency-");
        Path file = dir.resolve("random-32k-" + weights + ".gguf");
        TestModels.random32k(GgmlType.valueOf(weights), 42).write(file);
        ModelOptions options = ModelOptions.builder().promptCache(false).threads(THREADS).contextSize(8 * 256).parallelSequences(8)
                .build();
        prompts = Arrays.copyOf(PROMPTS, streams);
        if (benchmark.getBenchmark().endsWith(".rawBatched")) {
            raw = new RawLoop(file, options);
            return;
        }
        model = Model.load(file, options);
        for (String prompt : PROMPTS) {
            GenerationResult result = model.generate(GenerationRequest.builder(prompt).maxTokens(TOKENS).build(),
                    TokenCallback.ignore());
            if (result.finishReason() != FinishReason.MAX_TOKENS) {
                throw new IllegalStateException("prompt '" + prompt + "' ended early: " + result.finishReason());
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (model != null) {
            model.close();
        }
        if (raw != null) {
            raw.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** All {@code streams} generations, submitted together; returns the tokens generated. */
    @Benchmark
    public long concurrentStreams() {
        List<Generation> generations = new ArrayList<>(streams);
        for (String prompt : prompts) {
            generations.add(model.submit(GenerationRequest.builder(prompt).maxTokens(TOKENS).build(),
                    TokenCallback.ignore()));
        }
        long tokens = 0;
        for (Generation generation : generations) {
            tokens += generation.result().join().generatedTokens();
        }
        if (tokens != (long) streams * TOKENS) {
            throw new IllegalStateException("expected " + streams * TOKENS + " tokens, got " + tokens);
        }
        return tokens;
    }

    /** The same work straight over the binding, every sequence in one decode per step: the ceiling. */
    @Benchmark
    public long rawBatched() {
        return raw.runBatched(prompts, TOKENS);
    }
}
