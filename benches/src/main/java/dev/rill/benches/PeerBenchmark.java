package dev.rill.benches;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.TokenCallback;
import dev.rill.sampling.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * Rill against the library a Java user would otherwise pick: de.kherud:llama (java-llama.cpp) 4.2.0 through its own
 * {@link LlamaModel} API, which wraps llama.cpp's server loop and streams text pieces back over JNI.
 *
 * <p>Both sides run the same thing: the random-weight 32k model of {@link StreamingOverheadBenchmark} (F16, written
 * to a temporary folder per trial), the same prompt, {@value StreamingOverheadBenchmark#THREADS} threads, a
 * {@value StreamingOverheadBenchmark#CONTEXT_SIZE}-cell context, greedy decoding and exactly {@code tokens}
 * generated tokens per invocation, each from an empty KV cache with the prompt evaluated again (the peer's prompt
 * cache is off). {@link #rill} is {@link Model#generate} with {@link Sampler#greedy()} and a callback that does
 * nothing; {@link #peer} iterates {@link LlamaModel#generate} with temperature 0 (the peer's greedy choice),
 * {@code ignore_eos} and {@code n_predict = tokens}, and counts the pieces it gets. Both libraries run the same
 * llama.cpp build (b4916, the CPU library in the de.kherud:llama jar), so the difference is what each adds
 * around it.
 *
 * <p>JMH runs each benchmark method in forks of its own, so the two copies of llama.cpp never share a process. The
 * peer extracts its native library into a temporary folder of its own ({@code de.kherud.llama.tmpdir}, deleted at
 * teardown), since it cleans files it takes for its own in that folder. Each side loads its model on a short-lived
 * thread, so that only the thread that decodes during the measurement ever called {@code llama_decode} (see the
 * OpenMP note in docs/performance.md). The peer's model loads with its warm-up decode skipped and logging off. The
 * setup checks that each side generates exactly {@value #CHECK_TOKENS}
 * tokens from the prompt, the peer by counting streamed pieces.
 *
 * <pre>
 * java -jar benches/target/benchmarks.jar PeerBenchmark -rf json -rff benches/target/peer.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The peer's server thread stays attached to the JVM as a non-daemon thread after LlamaModel.close(), so a fork
// would wait JMH's default 30 s shutdown timeout for it at every exit.
@Fork(value = 2, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djmh.shutdownTimeout=1"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 6, time = 3)
@Threads(1)
public class PeerBenchmark {
    /** Tokens the setup generates on each side to check that neither stops early. */
    static final int CHECK_TOKENS = StreamingOverheadBenchmark.MAX_TOKENS;

    /** Rill's public API, greedy. */
    @State(Scope.Benchmark)
    public static class RillState {
        @Param({"50"})
        public int tokens;

        Path file;
        Model model;
        GenerationRequest request;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            // The peer runs llama.cpp b4916; Rill runs the same release here, so that only what each adds differs.
            System.setProperty("rill.llama.profile", "b4916");
            file = StreamingOverheadBenchmark.writeModel();
            Path f = file;
            model = onShortLivedThread(() -> Model.load(f, StreamingOverheadBenchmark.options()));
            GenerationResult check = model.generate(GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT)
                    .maxTokens(CHECK_TOKENS).sampler(Sampler.greedy()).build(), TokenCallback.ignore());
            if (check.finishReason() != FinishReason.MAX_TOKENS || check.generatedTokens() != CHECK_TOKENS) {
                throw new IllegalStateException("Rill generated " + check.generatedTokens() + " tokens ("
                        + check.finishReason() + "), not " + CHECK_TOKENS);
            }
            request = GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT).maxTokens(tokens)
                    .sampler(Sampler.greedy()).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (model != null) {
                model.close();
            }
            StreamingOverheadBenchmark.deleteFolderOf(file);
        }
    }

    /** de.kherud:llama's LlamaModel, greedy. */
    @State(Scope.Benchmark)
    public static class PeerState {
        @Param({"50"})
        public int tokens;

        Path file;
        Path nativeDir;
        LlamaModel model;
        InferenceParameters request;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            nativeDir = Files.createTempDirectory("rill-bench-peer-native-");
            // Read when the peer's loader first runs, i.e. before the first LlamaModel is made below.
            System.setProperty("de.kherud.llama.tmpdir", nativeDir.toString());
            file = StreamingOverheadBenchmark.writeModel();
            ModelParameters parameters = new ModelParameters()
                    .setModel(file.toString())
                    .setThreads(StreamingOverheadBenchmark.THREADS)
                    .setThreadsBatch(StreamingOverheadBenchmark.THREADS)
                    .setCtxSize(StreamingOverheadBenchmark.CONTEXT_SIZE)
                    .setParallel(1)
                    .setGpuLayers(0)
                    .skipWarmup()
                    .disableLog();
            model = onShortLivedThread(() -> new LlamaModel(parameters));
            int pieces = generate(model, parameters(CHECK_TOKENS));
            if (pieces != CHECK_TOKENS) {
                throw new IllegalStateException("the peer streamed " + pieces + " pieces, not " + CHECK_TOKENS
                        + " tokens; choose a prompt whose tokens each decode to whole characters");
            }
            request = parameters(tokens);
        }

        static InferenceParameters parameters(int tokens) {
            return new InferenceParameters(StreamingOverheadBenchmark.PROMPT)
                    .setNPredict(tokens)
                    .setTemperature(0f)
                    .setIgnoreEos(true)
                    .setCachePrompt(false)
                    .setSeed(1);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            if (model != null) {
                model.close();
            }
            StreamingOverheadBenchmark.deleteFolderOf(file);
            AdapterBenchmark.deleteTree(nativeDir);
        }
    }

    /** Streams one completion and returns the number of non-empty pieces (one per token here). */
    static int generate(LlamaModel model, InferenceParameters parameters) {
        int pieces = 0;
        for (LlamaOutput output : model.generate(parameters)) {
            if (!output.text.isEmpty()) {
                pieces++;
            }
        }
        return pieces;
    }

    /** Runs {@code task} on a platform thread that ends before this returns. */
    static <T> T onShortLivedThread(Supplier<T> task) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = Thread.ofPlatform().name("rill-bench-load").start(() -> {
            try {
                result[0] = task.get();
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure[0] instanceof RuntimeException e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    /** Rill: {@code Model.generate} of exactly {@code tokens} greedy tokens with a callback that does nothing. */
    @Benchmark
    public GenerationResult rill(RillState state) {
        GenerationResult result = state.model.generate(state.request, TokenCallback.ignore());
        if (result.generatedTokens() != state.tokens) {
            throw new IllegalStateException("generated " + result.generatedTokens() + " tokens, not " + state.tokens);
        }
        return result;
    }

    /** The peer: {@code LlamaModel.generate} of exactly {@code tokens} greedy tokens, iterated to the end. */
    @Benchmark
    public int peer(PeerState state) {
        int pieces = generate(state.model, state.request);
        if (pieces != state.tokens) {
            throw new IllegalStateException("the peer streamed " + pieces + " pieces, not " + state.tokens);
        }
        return pieces;
    }
}
