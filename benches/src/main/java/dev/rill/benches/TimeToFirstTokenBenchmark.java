package dev.rill.benches;

import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.Prompt;
import dev.rill.TokenCallback;
import dev.rill.gguf.GgmlType;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * How long does a new request wait for its first token while 4 streams are generating, against its prompt length?
 *
 * <p>Four background streams keep the engine busy (each resubmitted as soon as it ends). Each invocation submits
 * a request of {@code promptTokens} token ids and one token to generate, and waits for its result: the time is
 * the new request's time to first token, prompt evaluation in chunks shared with the four running streams
 * included. Random-weight 32k model, F16, {@value #THREADS} threads, batch size 512.
 *
 * <pre>
 * java -jar benches/target/benchmarks.jar TimeToFirstTokenBenchmark -rf json -rff benches/target/ttft.json
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 4)
@State(Scope.Benchmark)
public class TimeToFirstTokenBenchmark {
    static final int THREADS = 2;
    static final int BACKGROUND = 4;

    @Param({"16", "128", "512"})
    public int promptTokens;

    private Path dir;
    private Model model;
    private int[] prompt;
    private volatile boolean running;

    @Setup(Level.Trial)
    public void load() throws IOException {
        dir = Files.createTempDirectory("rill-bench-ttft-");
        Path file = dir.resolve("random-32k-f16.gguf");
        TestModels.random32k(GgmlType.F16, 42).write(file);
        model = Model.load(file, ModelOptions.builder().promptCache(false).threads(THREADS).contextSize(5 * 1024).parallelSequences(5)
                .build());
        SplittableRandom random = new SplittableRandom(1);
        prompt = new int[promptTokens];
        prompt[0] = 1;
        for (int i = 1; i < prompt.length; i++) {
            prompt[i] = 259 + random.nextInt(model.info().vocabularySize() - 259);
        }
        running = true;
        for (int i = 0; i < BACKGROUND; i++) {
            keepGenerating("Background stream number " + i);
        }
    }

    private void keepGenerating(String text) {
        if (!running) {
            return;
        }
        Generation generation = model.submit(GenerationRequest.builder(text).maxTokens(200).build(),
                TokenCallback.ignore());
        generation.result().thenRun(() -> keepGenerating(text));
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        running = false;
        model.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Submits the prompt and waits for its first (and only) token. */
    @Benchmark
    public int timeToFirstToken() {
        return model.submit(GenerationRequest.builder(Prompt.tokens(prompt)).maxTokens(1).build(),
                TokenCallback.ignore()).result().join().generatedTokens();
    }
}
