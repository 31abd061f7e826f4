package dev.rill.benches;

import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.StreamToken;
import dev.rill.TokenCallback;
import dev.rill.reactor.ReactiveModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/**
 * What does a {@code Flux<StreamToken>} from {@link ReactiveModel#stream} cost over {@link Model#generate} with a
 * no-op callback, and over the raw loop of {@link RawLoop}?
 *
 * <p>Same model, prompt, options and check as {@link StreamingOverheadBenchmark} (the random-weight 32k model in
 * F16, greedy, exactly {@code tokens} tokens per invocation from an empty KV cache): {@link #raw} is the bare
 * binding, {@link #sync} the public callback API, {@link #flux} a subscriber that requests everything up front
 * ({@code request(Long.MAX_VALUE)}) and {@link #fluxOneByOne} one that requests a single token at a time from
 * {@code onNext}, so that every step checks demand that was renewed by the previous token. Each invocation
 * subscribes anew (the Flux is cold: one generation per subscription) and waits for {@code onComplete}.
 *
 * <p>Run (results in {@code benches/target/flux-overhead.json}):
 * <pre>
 * ./build -q -pl benches -am install -DskipTests
 * java -jar benches/target/benchmarks.jar FluxOverheadBenchmark -rf json -rff benches/target/flux-overhead.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/flux-overhead.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 3)
@Threads(1)
public class FluxOverheadBenchmark {

    /** The engine paths: the model behind both the callback API and the Flux. */
    @State(Scope.Benchmark)
    public static class EngineState {
        @Param({"10", "50", "100"})
        public int tokens;

        Path file;
        Model model;
        ReactiveModel reactive;
        GenerationRequest request;
        final TokenCallback callback = (token, generation) -> {
        };

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = StreamingOverheadBenchmark.writeModel();
            int[] reference = StreamingOverheadBenchmark.referenceTokens(file);
            model = Model.load(file, StreamingOverheadBenchmark.options());
            reactive = ReactiveModel.of(model);
            int max = StreamingOverheadBenchmark.MAX_TOKENS;
            AtomicReference<GenerationResult> check = new AtomicReference<>();
            int[] seen = reactive.stream(GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT).maxTokens(max)
                            .build(), check::set)
                    .map(StreamToken::tokenId).collectList().block().stream().mapToInt(Integer::intValue).toArray();
            if (check.get().finishReason() != FinishReason.MAX_TOKENS || !Arrays.equals(seen, reference)) {
                throw new IllegalStateException("the Flux ended with " + check.get().finishReason() + " after "
                        + seen.length + " tokens or chose other tokens than the raw loop:\n  "
                        + Arrays.toString(seen) + "\n  " + Arrays.toString(reference));
            }
            request = GenerationRequest.builder(StreamingOverheadBenchmark.PROMPT).maxTokens(tokens).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (model != null) {
                model.close();
            }
            StreamingOverheadBenchmark.deleteFolderOf(file);
        }
    }

    /** Counts tokens and completes a future at the end; requests {@code batch} tokens at a time. */
    static final class Counting extends BaseSubscriber<StreamToken> {
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        private final long batch;
        private int count;

        Counting(long batch) {
            this.batch = batch;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            request(batch);
        }

        @Override
        protected void hookOnNext(StreamToken token) {
            count++;
            if (batch != Long.MAX_VALUE) {
                request(batch);
            }
        }

        @Override
        protected void hookOnComplete() {
            done.complete(count);
        }

        @Override
        protected void hookOnError(Throwable error) {
            done.completeExceptionally(error);
        }
    }

    private static int subscribe(EngineState state, long batch) {
        Counting subscriber = new Counting(batch);
        state.reactive.stream(state.request).subscribe(subscriber);
        int count = subscriber.done.join();
        if (count != state.tokens) {
            throw new IllegalStateException("the Flux gave " + count + " tokens, not " + state.tokens);
        }
        return count;
    }

    /** {@code Flux<StreamToken>} with all demand up front. */
    @Benchmark
    public int flux(EngineState state) {
        return subscribe(state, Long.MAX_VALUE);
    }

    /** {@code Flux<StreamToken>} requesting one token at a time. */
    @Benchmark
    public int fluxOneByOne(EngineState state) {
        return subscribe(state, 1);
    }

    /** {@code Model.generate} with a callback that does nothing. */
    @Benchmark
    public GenerationResult sync(EngineState state) {
        GenerationResult result = state.model.generate(state.request, state.callback);
        if (result.generatedTokens() != state.tokens) {
            throw new IllegalStateException("generated " + result.generatedTokens() + " tokens, not " + state.tokens);
        }
        return result;
    }

    /** The raw loop over the binding. */
    @Benchmark
    public int raw(StreamingOverheadBenchmark.RawState state) {
        return state.loop.run(StreamingOverheadBenchmark.PROMPT, state.tokens, null);
    }
}
