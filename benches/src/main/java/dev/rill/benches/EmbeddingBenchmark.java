package dev.rill.benches;

import dev.rill.Embedder;
import dev.rill.EmbeddingOptions;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.internal.llama.PoolingType;
import dev.rill.testkit.BertModel;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Embedding throughput on a random-weight encoder of BERT-base shape (768 wide, 12 blocks of 12 heads,
 * feed-forward 3072, F32, mean pooling): {@code texts} texts of 32 to 128 tokens each (fixed by a seed), embedded
 * in one call ({@link #batched}: packed into as few evaluations as the batch of 512 tokens allows) or one call per
 * text ({@link #oneByOne}). One operation embeds all of them; texts per second = texts / time. The goal:
 * batched at least 4x one by one at 64 texts.
 *
 * <p>{@link #rawBatched} and {@link #rawOneByOne} do the same work straight over the binding ({@link RawEmbedding}:
 * the same llama.cpp calls on the calling thread, no worker thread, no checks), so that Rill / raw shows what the
 * {@code Embedder} costs; the goal is at least 0.98 (raw time / Rill time).
 * <pre>
 * java -jar benches/target/benchmarks.jar EmbeddingBenchmark
 * java -jar benches/target/benchmarks.jar EmbeddingBenchmark -f 1 -wi 1 -i 3   # a short check that it runs
 * </pre>
 * The model (about 440 MB) is written once into {@code benches/target/bench-models} ({@code -Drill.bench.models}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class EmbeddingBenchmark {
    /** BERT-base's shape; the test kit's letter vocabulary, 512 positions, mean pooling. */
    static final BertModel BERT_BASE = new BertModel("random-bert-base", 768, 12, 12, 3072, 512, 1, 42, null);

    static final ModelOptions OPTIONS = ModelOptions.builder().contextSize(512).threads(2).build();
    static final int BATCH = 512;

    @Param({"1", "16", "64"})
    public int texts;

    private List<String> inputs;

    @Setup(Level.Trial)
    public void setUp() {
        inputs = texts(texts, 42);
    }

    static Path modelFile() {
        return SpeedModel.cached(SpeedModel.folder(), "bert-base-f32", BERT_BASE.toString(), BERT_BASE::write);
    }

    /** Rill's {@code Embedder} on the model. */
    @State(Scope.Benchmark)
    public static class RillState {
        Model model;
        Embedder embedder;

        @Setup(Level.Trial)
        public void setUp() {
            model = Model.load(modelFile(), OPTIONS);
            embedder = model.embedder(EmbeddingOptions.builder().batchSize(BATCH).build());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            model.close();
        }
    }

    /** The same work over the binding, on the benchmark thread. */
    @State(Scope.Thread)
    public static class RawState {
        RawEmbedding raw;

        @Setup(Level.Trial)
        public void setUp() {
            raw = new RawEmbedding(modelFile(), OPTIONS, BATCH, PoolingType.MEAN);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            raw.close();
        }
    }

    /** {@code count} texts of 32 to 128 tokens: words of lower-case letters, one token per letter plus [CLS], [SEP]. */
    static List<String> texts(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> result = new ArrayList<>(count);
        for (int t = 0; t < count; t++) {
            int letters = 30 + random.nextInt(97); // with [CLS] and [SEP]: 32 to 128 tokens
            StringBuilder text = new StringBuilder();
            int inWord = 0;
            for (int i = 0; i < letters; i++) {
                if (inWord > 2 && random.nextInt(5) == 0) {
                    text.append(' ');
                    inWord = 0;
                }
                text.append((char) ('a' + random.nextInt(26)));
                inWord++;
            }
            result.add(text.toString().toLowerCase(Locale.ROOT));
        }
        return List.copyOf(result);
    }

    /** All texts in one call. */
    @Benchmark
    public void batched(RillState rill, Blackhole blackhole) {
        blackhole.consume(rill.embedder.embed(inputs));
    }

    /** One call per text. */
    @Benchmark
    public void oneByOne(RillState rill, Blackhole blackhole) {
        for (String text : inputs) {
            blackhole.consume(rill.embedder.embed(text));
        }
    }

    /** All texts in one call, over the binding. */
    @Benchmark
    public void rawBatched(RawState state, Blackhole blackhole) {
        blackhole.consume(state.raw.embed(inputs));
    }

    /** One call per text, over the binding. */
    @Benchmark
    public void rawOneByOne(RawState state, Blackhole blackhole) {
        for (String text : inputs) {
            blackhole.consume(state.raw.embed(List.of(text)));
        }
    }
}
