package dev.rill.benches;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.llama.LlamaProfile;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.TokenCallback;
import dev.rill.sampling.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What prompt and decode speed does each way of running llama.cpp from Java reach on a 1B-class model: Rill on each
 * llama.cpp profile, the raw loop over Rill's binding of that profile, and de.kherud:llama's own API? The anchor,
 * llama.cpp's own {@code llama-bench} on the same model files, comes from {@code benches/llama-bench};
 * {@link SpeedTable} puts both in one table (docs/performance.md, "Prompt and decode speed").
 *
 * <p><b>Work</b> ({@code work}), the two tests of {@code llama-bench -p 128 -n 32}, each from an empty KV cache:
 * <ul>
 *   <li>{@code pp128}: a prompt of {@value #PROMPT_TOKENS} tokens (BOS and 127 three-letter words, one token each)
 *       evaluated in one decode, and one token chosen from its last logits row (not decoded). Prompt tokens/s =
 *       {@value #PROMPT_TOKENS} / time.</li>
 *   <li>{@code tg32}: a prompt of 2 tokens (BOS, {@code " the"}), then {@value #DECODE_TOKENS} generated tokens:
 *       {@value #DECODE_TOKENS} decodes (the 2-token prompt, then 31 single tokens), as llama-bench's {@code tg32}
 *       decodes 32 single tokens from position 0. Decode tokens/s = {@value #DECODE_TOKENS} / time.</li>
 * </ul>
 * Each invocation's time includes all that the API does around the decodes: tokenizing, hand-offs, sampling, the
 * result. llama-bench times the decodes alone.
 *
 * <p><b>Implementations</b> (benchmark methods):
 * <ul>
 *   <li>{@link #rill}: {@link Model#generate} with {@link Sampler#greedy()} and a callback that does nothing, on the
 *       llama.cpp of {@code profile} ({@code current}: v0.4.0 from rill-native-linux-x64; {@code b4916}: the library
 *       in de.kherud:llama 4.2.0), chosen with {@link ModelOptions.Builder#llamaProfile}. A JVM loads one llama.cpp,
 *       and JMH runs every parameter combination in a fork of its own, so each trial loads the profile it names;
 *       the setup checks that the loaded library is that profile.</li>
 *   <li>{@link #raw}: {@link RawLoop} over the same profile's binding: the same llama.cpp calls with nothing of the
 *       engine (no thread hand-off, no Java logits copy, no text). Rill's goal is at least 0.98x its speed.</li>
 *   <li>{@link #peer}: de.kherud:llama 4.2.0's {@link LlamaModel#generate}, temperature 0 (its greedy),
 *       {@code ignore_eos}, {@code n_predict} = the tokens to generate, prompt cache off, one slot, no warm-up
 *       decode. It runs b4916 only (the library in its jar) and has no {@code profile} parameter. Its forks never
 *       load Rill (see {@link PeerBenchmark} for why it gets a temporary folder of its own and a short JMH shutdown
 *       timeout).</li>
 * </ul>
 *
 * <p><b>Models</b> ({@code model}): {@link SpeedModel}: TinyLlama 1.1B's shape in Q4_0 and Q8_0 and the 32k model of
 * the other suites in F16, random weights, read from the folder {@link SpeedModel#folder()} (written there by the
 * first trial that needs one, or beforehand by {@link WriteBenchModels}). Every implementation: 2 threads for
 * prompt and decode, a 256-cell context, batch 512, F16 KV cache, flash attention off (the default of Rill and of
 * the peer; llama-bench's default is on, so {@code benches/llama-bench} runs both). Each side loads its model on a
 * short-lived thread and decodes on one thread only (see the OpenMP note in docs/performance.md: b4916 uses
 * OpenMP).
 *
 * <p><b>Checks and control.</b> The setup of each trial checks the prompt's length in tokens on every side, that Rill
 * reaches {@code MAX_TOKENS} (no end-of-generation token) and that the peer streams every token. The raw loop is
 * the control for Rill on each profile, llama-bench for all. As a check on the measurement itself, each Rill trial
 * prints at its end the median rate of its invocations on the engine's own clock ({@code Timings}: prompt tokens
 * over prompt evaluation; generated tokens after the first over the time between first and last token), which
 * must agree with the rate from JMH's time.
 *
 * <p>Run (30 trials of one fork, 1 warm-up iteration of 2 s and 8 measured of 1 s, at least one invocation each: 19
 * minutes on the shared 2-core machine, 8, 9 and 2 minutes for the three models, once the models are written;
 * writing them takes about 2 minutes more the first time). Many short iterations rather than a few long ones,
 * because on a shared machine the fastest iterations are the ones to read as well as the median: other work only
 * ever slows a decode down, and a llama.cpp decode on as many threads as cores slows down many times when one core
 * is taken. For comparisons taken minutes apart, run one model at a time between two llama-bench passes:
 * <pre>
 * ./build -q -pl benches -am package -DskipTests
 * benches/llama-bench --model tinyllama-q4_0 --out benches/target/lb-before
 * java -jar benches/target/benchmarks.jar ProfileSpeedBenchmark -p model=tinyllama-q4_0 \
 *     -rf json -rff benches/target/profile-speed.json
 * benches/llama-bench --model tinyllama-q4_0 --out benches/target/lb-after
 * java -cp benches/target/benchmarks.jar dev.rill.benches.SpeedTable benches/target/profile-speed.json \
 *     benches/target/lb-before/*.json benches/target/lb-after/*.json
 * </pre>
 * (without {@code -p model=...} and {@code --model} for all three models).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The peer's server thread stays attached to the JVM as a non-daemon thread after LlamaModel.close(), so a fork
// would wait JMH's default 30 s shutdown timeout for it at every exit.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Djmh.shutdownTimeout=1"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 8, time = 1)
@Threads(1)
public class ProfileSpeedBenchmark {
    static final int THREADS = 2;
    static final int CONTEXT_SIZE = 256;
    /** Tokens of the {@code pp128} prompt, the BOS included. */
    static final int PROMPT_TOKENS = 128;
    /** Tokens generated by {@code tg32}. */
    static final int DECODE_TOKENS = 32;
    /** The {@code pp128} prompt: {@value #PROMPT_TOKENS} - 1 words, each a token of the test kit's vocabulary. */
    static final String LONG_PROMPT = words(PROMPT_TOKENS - 1);
    /** The {@code tg32} prompt: the BOS and one word. */
    static final String SHORT_PROMPT = " the";
    static final int SHORT_PROMPT_TOKENS = 2;

    /** What one invocation does; the names are llama-bench's. */
    enum Work {
        /** Evaluate {@value #PROMPT_TOKENS} prompt tokens, choose one token. */
        PP128(LONG_PROMPT, PROMPT_TOKENS, 1, PROMPT_TOKENS),
        /** Generate {@value #DECODE_TOKENS} tokens after a 2-token prompt. */
        TG32(SHORT_PROMPT, SHORT_PROMPT_TOKENS, DECODE_TOKENS, DECODE_TOKENS);

        final String prompt;
        final int promptTokens;
        final int generated;
        /** The tokens a rate counts: prompt tokens for pp, generated tokens for tg. */
        final int counted;

        Work(String prompt, int promptTokens, int generated, int counted) {
            this.prompt = prompt;
            this.promptTokens = promptTokens;
            this.generated = generated;
            this.counted = counted;
        }

        static Work of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * {@code count} words of three lowercase letters, each preceded by a space: the test kit's vocabularies of
     * 32,000 tokens hold every such word as one token ({@code ▁abc}), so the text is {@code count} tokens.
     */
    static String words(int count) {
        SplittableRandom random = new SplittableRandom(PROMPT_TOKENS);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(' ');
            for (int j = 0; j < 3; j++) {
                text.append((char) ('a' + random.nextInt(26)));
            }
        }
        return text.toString();
    }

    static ModelOptions options(String profile) {
        return ModelOptions.builder().promptCache(false).llamaProfile(LlamaProfile.fromLabel(profile)).threads(THREADS)
                .contextSize(CONTEXT_SIZE).build();
    }

    /** Rill's public API on one profile. */
    @State(Scope.Benchmark)
    public static class RillState {
        @Param({"tinyllama-q4_0", "tinyllama-q8_0", "random32k-f16"})
        public String model;

        @Param({"current", "b4916"})
        public String profile;

        @Param({"pp128", "tg32"})
        public String work;

        Work kind;
        Model loaded;
        GenerationRequest request;
        double[] engineRates = new double[64];
        int invocations;

        @Setup(Level.Trial)
        public void setUp() {
            kind = Work.of(work);
            Path file = SpeedModel.named(model).file();
            ModelOptions options = options(profile);
            loaded = PeerBenchmark.onShortLivedThread(() -> Model.load(file, options));
            LlamaProfile wanted = LlamaProfile.fromLabel(profile);
            if (loaded.info().runtime().profile() != wanted) {
                throw new IllegalStateException("asked for llama.cpp " + wanted.label() + " but "
                        + loaded.info().runtime().release() + " was loaded");
            }
            request = GenerationRequest.builder(kind.prompt).maxTokens(kind.generated).sampler(Sampler.greedy())
                    .build();
            GenerationResult check = loaded.generate(request, TokenCallback.ignore());
            if (check.promptTokens() != kind.promptTokens) {
                throw new IllegalStateException("the " + work + " prompt is " + check.promptTokens() + " tokens, not "
                        + kind.promptTokens);
            }
            if (check.finishReason() != FinishReason.MAX_TOKENS || check.generatedTokens() != kind.generated) {
                throw new IllegalStateException("Rill generated " + check.generatedTokens() + " tokens ("
                        + check.finishReason() + ") after the " + work + " prompt, not " + kind.generated
                        + "; choose another prompt");
            }
            System.out.println("llama.cpp " + loaded.info().runtime().release() + ", CPU variant "
                    + loaded.info().runtime().cpuVariant().orElse("built in") + ", " + loaded.info().runtime().library());
        }

        void record(GenerationResult result) {
            double rate = kind == Work.PP128 ? result.timings().promptTokensPerSecond()
                    : result.timings().generatedTokensPerSecond();
            if (invocations == engineRates.length) {
                engineRates = Arrays.copyOf(engineRates, invocations * 2);
            }
            engineRates[invocations++] = rate;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (invocations > 0) {
                double[] rates = Arrays.copyOf(engineRates, invocations);
                System.out.printf(Locale.ROOT, "%nengine clock, %s %s on %s: median %.1f tokens/s over %d invocations "
                        + "(%s)%n", model, work, profile, JmhMedians.median(rates), invocations,
                        kind == Work.PP128 ? "prompt tokens over prompt evaluation"
                                : "generated tokens after the first over first to last token");
            }
            if (loaded != null) {
                loaded.close();
            }
        }
    }

    /** The raw loop over Rill's binding of one profile. */
    @State(Scope.Benchmark)
    public static class RawState {
        @Param({"tinyllama-q4_0", "tinyllama-q8_0", "random32k-f16"})
        public String model;

        @Param({"current", "b4916"})
        public String profile;

        @Param({"pp128", "tg32"})
        public String work;

        Work kind;
        RawLoop loop;

        @Setup(Level.Trial)
        public void setUp() {
            kind = Work.of(work);
            Path file = SpeedModel.named(model).file();
            ModelOptions options = options(profile);
            // On this thread, the one that measures: the loop's native memory belongs to it, and so does the one
            // OpenMP team b4916 makes for the thread that decodes (the check below is its first decode).
            loop = new RawLoop(file, options);
            int promptTokens = loop.promptTokens(kind.prompt);
            if (promptTokens != kind.promptTokens) {
                throw new IllegalStateException("the " + work + " prompt is " + promptTokens + " tokens, not "
                        + kind.promptTokens);
            }
            loop.run(kind.prompt, kind.generated, null);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (loop != null) {
                loop.close();
            }
        }
    }

    /** de.kherud:llama's LlamaModel (b4916). */
    @State(Scope.Benchmark)
    public static class PeerState {
        @Param({"tinyllama-q4_0", "tinyllama-q8_0", "random32k-f16"})
        public String model;

        @Param({"pp128", "tg32"})
        public String work;

        Work kind;
        Path nativeDir;
        LlamaModel loaded;
        InferenceParameters request;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            kind = Work.of(work);
            nativeDir = Files.createTempDirectory("rill-bench-peer-native-");
            // Read when the peer's loader first runs, i.e. before the first LlamaModel is made below.
            System.setProperty("de.kherud.llama.tmpdir", nativeDir.toString());
            Path file = SpeedModel.named(model).file();
            ModelParameters parameters = new ModelParameters()
                    .setModel(file.toString())
                    .setThreads(THREADS)
                    .setThreadsBatch(THREADS)
                    .setCtxSize(CONTEXT_SIZE)
                    .setParallel(1)
                    .setGpuLayers(0)
                    .skipWarmup()
                    .disableLog();
            loaded = PeerBenchmark.onShortLivedThread(() -> new LlamaModel(parameters));
            // The peer's encode leaves out the BOS its completions add.
            int promptTokens = loaded.encode(kind.prompt).length + 1;
            if (promptTokens != kind.promptTokens) {
                throw new IllegalStateException("the peer makes the " + work + " prompt " + promptTokens
                        + " tokens, not " + kind.promptTokens);
            }
            request = new InferenceParameters(kind.prompt)
                    .setNPredict(kind.generated)
                    .setTemperature(0f)
                    .setIgnoreEos(true)
                    .setCachePrompt(false)
                    .setSeed(1);
            int outputs = generate(loaded, request);
            if (outputs != kind.generated) {
                throw new IllegalStateException("the peer streamed " + outputs + " token outputs, not "
                        + kind.generated);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            if (loaded != null) {
                loaded.close();
            }
            AdapterBenchmark.deleteTree(nativeDir);
        }
    }

    /**
     * Streams one completion and returns the number of outputs but the last: the peer streams one output per
     * generated token, then an empty one that marks the end.
     */
    static int generate(LlamaModel model, InferenceParameters parameters) {
        int outputs = 0;
        for (LlamaOutput ignored : model.generate(parameters)) {
            outputs++;
        }
        return outputs - 1;
    }

    /** Rill: {@code Model.generate}, greedy, a callback that does nothing. */
    @Benchmark
    public GenerationResult rill(RillState state) {
        GenerationResult result = state.loaded.generate(state.request, TokenCallback.ignore());
        if (result.generatedTokens() != state.kind.generated) {
            throw new IllegalStateException("generated " + result.generatedTokens() + " tokens, not "
                    + state.kind.generated);
        }
        state.record(result);
        return result;
    }

    /** The raw loop over the binding of the same profile. */
    @Benchmark
    public int raw(RawState state) {
        return state.loop.run(state.kind.prompt, state.kind.generated, null);
    }

    /** de.kherud:llama's {@code LlamaModel.generate}, iterated to its end. */
    @Benchmark
    public int peer(PeerState state) {
        int outputs = generate(state.loaded, state.request);
        if (outputs != state.kind.generated) {
            throw new IllegalStateException("the peer streamed " + outputs + " token outputs, not "
                    + state.kind.generated);
        }
        return outputs;
    }
}
