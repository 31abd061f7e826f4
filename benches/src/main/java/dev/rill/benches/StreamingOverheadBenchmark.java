package dev.rill.benches;

import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.TokenCallback;
import dev.rill.gguf.GgmlType;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What does {@link Model#generate} with a no-op callback cost over a raw loop over the same llama.cpp binding?
 *
 * <p>{@link #generate} runs a request through the public API: tokenize on the caller's thread, queue to the
 * engine thread, decode, copy the logits row into the sequence's Java buffer, greedy sampler, UTF-8 assembly,
 * stop-string matching, a {@code StreamToken} per token handed to a callback that does nothing, the result
 * future. {@link #raw} does only what any generation must: tokenize, decode, argmax over the native logits row,
 * decode again ({@link RawLoop}). Both run on the same model (the random-weight 32k vocabulary model of
 * {@link TestModels#random32k}, F16, written once per trial to a temporary folder and deleted after), with
 * the same prompt, {@value #THREADS} threads, a {@value #CONTEXT_SIZE}-cell context, greedy choice, and
 * generate exactly {@code tokens} tokens per invocation, each starting from an empty KV cache and evaluating
 * the prompt. The setup of each trial checks that: greedy generation from {@link #PROMPT} runs to
 * {@value #MAX_TOKENS} tokens without an end-of-generation token ({@code FinishReason.MAX_TOKENS}), and both
 * paths choose the same token ids; the raw loop never stops early in any case.
 *
 * <p><b>Linearity control.</b> The {@code tokens} parameter (10, 50, 100) is the control: an invocation costs
 * one prompt evaluation {@code P} plus {@code tokens - 1} single-token decodes of {@code d} each (the last token
 * is sampled but not decoded), plus, for {@code generate}, a per-invocation cost {@code h} (thread hand-off,
 * result) and a per-token cost {@code e}. So time is linear in tokens: the step from 50 to 100 tokens must cost
 * 50/40 = 1.25 times the step from 10 to 50, and {@code t(100) / t(10) = (P + 99d) / (P + 9d)}, which is
 * below 10 (about 7 to 9 when the prompt costs 2 to 5 decodes). The generate/raw ratio then tends to
 * {@code (d + e) / d} as tokens grow, and a fixed {@code h} shows as a ratio that falls with tokens.
 *
 * <p>Run (about 7 minutes on 2 cores: 6 trials of 2 forks, each fork 3 warmup iterations of 2 s and 8 measured
 * iterations of 3 s; results in {@code benches/target/streaming-overhead.json}):
 * <pre>
 * ./build -q -pl benches -am install -DskipTests
 * java -jar benches/target/benchmarks.jar StreamingOverheadBenchmark \
 *     -rf json -rff benches/target/streaming-overhead.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/streaming-overhead.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 3)
@Threads(1)
public class StreamingOverheadBenchmark {
    /** The prompt both paths continue: 11 tokens with the BOS, after which greedy never picks EOS for 100 tokens. */
    static final String PROMPT = "The quick brown fox jumps over the lazy dog";
    /** llama.cpp threads for both paths; more than the cores makes it several times slower. */
    static final int THREADS = 2;
    /** KV cells: the prompt and the longest generation fit with room to spare. */
    static final int CONTEXT_SIZE = 256;
    /** The largest {@code tokens} parameter, which the setup checks the prompt reaches. */
    static final int MAX_TOKENS = 100;
    /** Seed of the random weights. */
    static final long WEIGHT_SEED = 42L;

    static ModelOptions options() {
        return ModelOptions.builder().promptCache(false).threads(THREADS).contextSize(CONTEXT_SIZE).build();
    }

    /** Writes the model into a new temporary folder and returns the file. */
    static Path writeModel() throws IOException {
        Path dir = Files.createTempDirectory("rill-bench-");
        Path file = dir.resolve("random-32k-f16.gguf");
        TestModels.random32k(GgmlType.F16, WEIGHT_SEED).write(file);
        return file;
    }

    static void deleteFolderOf(Path file) {
        if (file == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(file.getParent())) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The tokens greedy generation picks after {@link #PROMPT}, from the raw loop on a model of its own (closed
     * before returning) on a short-lived thread; fails when one of them ends generation, as the engine would
     * stop there.
     */
    static int[] referenceTokens(Path file) {
        // On a thread of its own, which ends before the measurement: libgomp keeps an OpenMP team for every
        // thread that ever called llama_decode until that thread exits, and with more OpenMP threads than cores
        // it stops spin-waiting at barriers, which makes every decode much slower (see docs/performance.md).
        int[][] result = new int[1][];
        RuntimeException[] failure = new RuntimeException[1];
        Thread thread = Thread.ofPlatform().name("rill-bench-reference").start(() -> {
            try {
                result[0] = referenceTokensHere(file);
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        });
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return result[0];
    }

    private static int[] referenceTokensHere(Path file) {
        int[] tokens = new int[MAX_TOKENS];
        try (RawLoop loop = new RawLoop(file, options())) {
            loop.run(PROMPT, MAX_TOKENS, tokens);
            for (int i = 0; i < tokens.length; i++) {
                if (loop.isEndOfGeneration(tokens[i])) {
                    throw new IllegalStateException("greedy generation from \"" + PROMPT + "\" emits end-of-generation token "
                            + tokens[i] + " as token " + (i + 1) + " of " + MAX_TOKENS + "; choose another prompt");
                }
            }
        }
        return tokens;
    }

    /** The public API path. */
    @State(Scope.Benchmark)
    public static class GenerateState {
        @Param({"10", "50", "100"})
        public int tokens;

        Path file;
        Model model;
        GenerationRequest request;
        final TokenCallback callback = (token, generation) -> {
        };

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = writeModel();
            int[] reference = referenceTokens(file);
            model = Model.load(file, options());
            int[] seen = new int[MAX_TOKENS];
            GenerationResult check = model.generate(GenerationRequest.builder(PROMPT).maxTokens(MAX_TOKENS).build(),
                    (token, generation) -> seen[token.index()] = token.tokenId());
            if (check.finishReason() != FinishReason.MAX_TOKENS || check.generatedTokens() != MAX_TOKENS) {
                throw new IllegalStateException("greedy generation from \"" + PROMPT + "\" ended with "
                        + check.finishReason() + " after " + check.generatedTokens() + " tokens, not MAX_TOKENS after "
                        + MAX_TOKENS + "; choose another prompt");
            }
            if (!Arrays.equals(seen, reference)) {
                throw new IllegalStateException("generate and the raw loop chose different tokens:\n  "
                        + Arrays.toString(seen) + "\n  " + Arrays.toString(reference));
            }
            request = GenerationRequest.builder(PROMPT).maxTokens(tokens).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (model != null) {
                model.close();
            }
            deleteFolderOf(file);
        }
    }

    /** The bare binding. */
    @State(Scope.Benchmark)
    public static class RawState {
        @Param({"10", "50", "100"})
        public int tokens;

        Path file;
        RawLoop loop;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = writeModel();
            referenceTokens(file);
            loop = new RawLoop(file, options());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (loop != null) {
                loop.close();
            }
            deleteFolderOf(file);
        }
    }

    /** {@code Model.generate} of exactly {@code tokens} tokens with a callback that does nothing. */
    @Benchmark
    public GenerationResult generate(GenerateState state) {
        GenerationResult result = state.model.generate(state.request, state.callback);
        if (result.generatedTokens() != state.tokens) {
            throw new IllegalStateException("generated " + result.generatedTokens() + " tokens (" + result.finishReason()
                    + "), not " + state.tokens);
        }
        return result;
    }

    /** The raw loop over the binding, exactly {@code tokens} tokens. */
    @Benchmark
    public int raw(RawState state) {
        return state.loop.run(PROMPT, state.tokens, null);
    }
}
