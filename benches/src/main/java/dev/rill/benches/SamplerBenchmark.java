package dev.rill.benches;

import dev.rill.internal.llama.LlamaRuntime;
import dev.rill.internal.llama.NativeSamplers;
import dev.rill.sampling.Logits;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SequenceSampler;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
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
 * Rill's Java samplers next to llama.cpp b4916's native samplers with the same settings on the same logits, in
 * the same run: one choice of a token per invocation.
 *
 * <p>The logits are {@code vocab} standard normal values from a fixed seed. {@code sampler} is one of:
 * {@code greedy}; {@code temperature} (0.8, a draw from the softmax over the whole vocabulary); {@code topK}
 * (40), {@code topP} (0.95), {@code minP} (0.05) and {@code typical} (0.95), each followed by a draw at
 * temperature 1; {@code chain}, the default chain: top-k 40, top-p 0.95, min-p 0.05, temperature 0.8, a draw.
 * llama.cpp gets the same samplers in a {@code llama_sampler_chain} ending in {@code dist} (or {@code greedy}),
 * with {@code min_keep} 1.
 *
 * <p>{@link #java} calls {@code SequenceSampler.choose} on the sequence's logits buffer, with the Vector API loops
 * (the fork runs with {@code --add-modules jdk.incubator.vector}); {@link #javaScalar} is the same with the
 * scalar loops (its sequence is created while {@code dev.rill.sampling.simd=false}), for the gain side by side.
 * None of these stages writes to the buffer (the setup checks it), so it is not refilled between invocations. {@link #llama} does what
 * {@code llama_sampler_sample} does: fills a {@code llama_token_data} array with the logits (here a
 * {@code memcpy} of a prepared array, cheaper than llama.cpp's own fill loop), then {@code llama_sampler_apply}
 * on the chain. {@link #llamaFillOnly} is that fill alone, to subtract.
 *
 * <pre>
 * ./build -q -pl benches -am install -DskipTests
 * java -jar benches/target/benchmarks.jar SamplerBenchmark -rf json -rff benches/target/samplers.json
 * java -cp benches/target/benchmarks.jar dev.rill.benches.JmhMedians benches/target/samplers.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
@State(Scope.Thread)
public class SamplerBenchmark {
    @Param({"32768", "131072", "262144"})
    int vocab;

    @Param({"greedy", "temperature", "topK", "topP", "minP", "typical", "chain"})
    String sampler;

    private Logits logits;
    private SequenceSampler java;
    private SequenceSampler javaScalar;
    private NativeSamplers.TokenArray template;
    private NativeSamplers.TokenArray work;
    private MemorySegment nativeChain;

    /** The standard normal logits every benchmark uses. */
    static float[] normalLogits(int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    static Sampler javaSampler(String name) {
        return switch (name) {
            case "greedy" -> Sampler.greedy();
            case "temperature" -> Sampler.temperature(0.8);
            case "topK" -> Sampler.topK(40);
            case "topP" -> Sampler.topP(0.95);
            case "minP" -> Sampler.minP(0.05);
            case "typical" -> Sampler.typicalP(0.95);
            case "chain" -> Sampler.chain().topK(40).topP(0.95).minP(0.05).temperature(0.8).build();
            default -> throw new IllegalArgumentException("unknown sampler " + name);
        };
    }

    static MemorySegment nativeSampler(String name, int seed) {
        MemorySegment chain = NativeSamplers.chain();
        switch (name) {
            case "greedy" -> NativeSamplers.add(chain, NativeSamplers.greedy());
            case "temperature" -> NativeSamplers.add(chain, NativeSamplers.temperature(0.8f));
            case "topK" -> NativeSamplers.add(chain, NativeSamplers.topK(40));
            case "topP" -> NativeSamplers.add(chain, NativeSamplers.topP(0.95f, 1));
            case "minP" -> NativeSamplers.add(chain, NativeSamplers.minP(0.05f, 1));
            case "typical" -> NativeSamplers.add(chain, NativeSamplers.typical(0.95f, 1));
            case "chain" -> {
                NativeSamplers.add(chain, NativeSamplers.topK(40));
                NativeSamplers.add(chain, NativeSamplers.topP(0.95f, 1));
                NativeSamplers.add(chain, NativeSamplers.minP(0.05f, 1));
                NativeSamplers.add(chain, NativeSamplers.temperature(0.8f));
            }
            default -> throw new IllegalArgumentException("unknown sampler " + name);
        }
        if (!name.equals("greedy")) {
            NativeSamplers.add(chain, NativeSamplers.dist(seed));
        }
        return chain;
    }

    @Setup(Level.Trial)
    public void setUp() {
        float[] values = normalLogits(vocab, 20250101L);
        logits = Logits.wrap(values);
        java = javaSampler(sampler).newSequence(42);
        // Sequences created while dev.rill.sampling.simd=false use the scalar loops, the others the vector ones.
        System.setProperty("dev.rill.sampling.simd", "false");
        javaScalar = javaSampler(sampler).newSequence(42);
        System.clearProperty("dev.rill.sampling.simd");
        int vector = java.choose(logits).token();
        int scalar = javaScalar.choose(logits).token();
        if (vector != scalar) {
            throw new IllegalStateException(sampler + ": the vector and scalar loops chose " + vector + " and " + scalar);
        }
        if (!Arrays.equals(values, Arrays.copyOf(logits.array(), vocab))) {
            throw new IllegalStateException(sampler + " wrote to the logits buffer; refill it per invocation");
        }
        LlamaRuntime.initialize(null, null);
        template = new NativeSamplers.TokenArray(vocab);
        template.fill(values, vocab);
        work = new NativeSamplers.TokenArray(vocab);
        nativeChain = nativeSampler(sampler, 42);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        NativeSamplers.free(nativeChain);
        template.close();
        work.close();
    }

    @Benchmark
    public int java() {
        return java.choose(logits).token();
    }

    @Benchmark
    public int javaScalar() {
        return javaScalar.choose(logits).token();
    }

    @Benchmark
    public int llama() {
        work.copyFrom(template);
        NativeSamplers.apply(nativeChain, work.pointer());
        return work.id((int) work.selected());
    }

    @Benchmark
    public int llamaFillOnly() {
        work.copyFrom(template);
        return work.size();
    }
}
