package dev.rill.benches;

import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.TokenCallback;
import dev.rill.sampling.Sampler;
import java.io.IOException;
import java.nio.file.Path;
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
 * What does the default sampler chain cost over greedy choice, in a whole generation?
 *
 * <p>{@link #greedy} and {@link #defaultChain} generate exactly {@code tokens} tokens through {@link Model#generate}
 * on the model, prompt and options of {@link StreamingOverheadBenchmark}, with {@link Sampler#greedy()} and with
 * {@link Sampler#defaults()} (top-k 40, top-p 0.95, min-p 0.05, temperature 0.8, seeded with {@value #SEED} so that
 * every invocation draws the same tokens). The sampler runs on the engine thread between decodes, so its cost adds
 * to every token; the ratio of the two times is what choosing the default chain costs end to end. The setup checks
 * that both stop at the token limit, not at an end-of-generation token.
 *
 * <pre>
 * java -jar benches/target/benchmarks.jar EndToEndSamplingBenchmark -rf json -rff benches/target/sampling.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 6, time = 3)
@Threads(1)
public class EndToEndSamplingBenchmark {
    /** The seed of the default chain's draws. */
    static final long SEED = 1L;

    /** One model; the request of each sampler. */
    @State(Scope.Benchmark)
    public static class Engine {
        @Param({"50"})
        public int tokens;

        Path file;
        Model model;
        GenerationRequest greedy;
        GenerationRequest chain;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = StreamingOverheadBenchmark.writeModel();
            model = Model.load(file, StreamingOverheadBenchmark.options());
            greedy = GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT).maxTokens(tokens)
                    .sampler(Sampler.greedy()).seed(SEED).build();
            chain = GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT).maxTokens(tokens)
                    .sampler(Sampler.defaults()).seed(SEED).build();
            for (GenerationRequest request : new GenerationRequest[] {greedy, chain}) {
                GenerationResult check = model.generate(request, TokenCallback.ignore());
                if (check.finishReason() != FinishReason.MAX_TOKENS || check.generatedTokens() != tokens) {
                    throw new IllegalStateException(request.sampler() + " generated " + check.generatedTokens()
                            + " tokens (" + check.finishReason() + "), not " + tokens + "; choose another seed");
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (model != null) {
                model.close();
            }
            StreamingOverheadBenchmark.deleteFolderOf(file);
        }
    }

    private static GenerationResult run(Engine engine, GenerationRequest request) {
        GenerationResult result = engine.model.generate(request, TokenCallback.ignore());
        if (result.generatedTokens() != engine.tokens) {
            throw new IllegalStateException("generated " + result.generatedTokens() + " tokens (" + result.finishReason()
                    + "), not " + engine.tokens);
        }
        return result;
    }

    /** {@code tokens} tokens with {@link Sampler#greedy()}. */
    @Benchmark
    public GenerationResult greedy(Engine engine) {
        return run(engine, engine.greedy);
    }

    /** {@code tokens} tokens with {@link Sampler#defaults()}, seeded. */
    @Benchmark
    public GenerationResult defaultChain(Engine engine) {
        return run(engine, engine.chain);
    }
}
