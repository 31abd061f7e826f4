package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.sampling.Distribution;
import dev.rill.sampling.Logits;
import dev.rill.sampling.SamplerChain;
import dev.rill.llama.LlamaProfile;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rill's Java samplers against llama.cpp b4916's own on the same logits: the same tokens survive, with the same
 * probabilities within float tolerance. llama.cpp's side is its sampler followed by {@code softmax}, which fills
 * in the probabilities of the survivors; every {@code min_keep} is 1 (with 0, b4916's typical keeps everything).
 *
 * <p>Float tolerance: llama.cpp adds the n probabilities of a softmax one by one in a float, so its sum, and every
 * probability divided by it, carries a relative error of order sqrt(n) 2^-24 (n 2^-24 at worst); Rill sums in
 * double. Probabilities must agree within 2e-5 + 8 sqrt(n) 2^-24, relative. For the same reason top-p's cut
 * over the whole vocabulary may fall a few tokens apart: llama.cpp compares a float running sum with p. Those
 * tokens are accepted only when the exact (double) cumulative probability at each lies within n 2^-24 of p.
 */
class NativeSamplerAgreementTest {
    private static final double ULP = Math.scalb(1.0, -24);
    private static final double ABSOLUTE = 1e-7;

    @BeforeAll
    static void loadLibrary() {
        LlamaRuntime.initialize(null, null);
    }

    private static float[] logits(int vocab, long seed, double spread) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            values[i] = (float) (spread * random.nextGaussian());
        }
        return values;
    }

    /**
     * Token to probability after llama.cpp's samplers, added to a chain by {@code stages}, then softmax: b4916's
     * softmax sampler, or (the current release has none) a softmax in double over the logits that survived.
     */
    private static Map<Integer, Float> llama(float[] logits, Consumer<MemorySegment> stages) {
        boolean nativeSoftmax = LlamaRuntime.runtime().profile() == LlamaProfile.B4916;
        MemorySegment chain = NativeSamplers.chain();
        try (NativeSamplers.TokenArray array = new NativeSamplers.TokenArray(logits.length)) {
            stages.accept(chain);
            if (nativeSoftmax) {
                NativeSamplers.add(chain, NativeSamplers.softmax());
            }
            array.fill(logits, logits.length);
            NativeSamplers.apply(chain, array.pointer());
            Map<Integer, Float> result = new HashMap<>();
            if (nativeSoftmax) {
                for (int i = 0; i < array.size(); i++) {
                    result.put(array.id(i), array.probability(i));
                }
                return result;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < array.size(); i++) {
                max = Math.max(max, array.logit(i));
            }
            double sum = 0;
            for (int i = 0; i < array.size(); i++) {
                if (array.logit(i) != Float.NEGATIVE_INFINITY) {
                    sum += Math.exp(array.logit(i) - max);
                }
            }
            for (int i = 0; i < array.size(); i++) {
                if (array.logit(i) != Float.NEGATIVE_INFINITY) {
                    result.put(array.id(i), (float) (Math.exp(array.logit(i) - max) / sum));
                }
            }
            return result;
        } finally {
            NativeSamplers.free(chain);
        }
    }

    private static void assertAgree(float[] logits, SamplerChain java, Consumer<MemorySegment> stages) {
        assertAgree(logits, java, stages, Double.NaN);
    }

    /** {@code nucleus}: the top-p of a chain that is top-p alone, whose cut may move with rounding; else NaN. */
    private static void assertAgree(float[] logits, SamplerChain java, Consumer<MemorySegment> stages, double nucleus) {
        Map<Integer, Float> expected = llama(logits, stages);
        Distribution actual = java.distribution(Logits.wrap(logits));
        String what = java + " on " + logits.length + " logits";
        Set<Integer> javaOnly = new HashSet<>();
        Set<Integer> llamaOnly = new HashSet<>(expected.keySet());
        double commonJava = 0;
        double commonLlama = 0;
        for (int i = 0; i < actual.size(); i++) {
            Float p = expected.get(actual.token(i));
            if (p == null) {
                javaOnly.add(actual.token(i));
            } else {
                llamaOnly.remove(actual.token(i));
                commonJava += actual.probability(i);
                commonLlama += p;
            }
        }
        if (!javaOnly.isEmpty() || !llamaOnly.isEmpty()) {
            assertTrue(!Double.isNaN(nucleus), what + ": only in Java " + javaOnly + ", only in llama.cpp " + llamaOnly);
            assertCutWithinRounding(logits, nucleus, javaOnly, llamaOnly, what);
        }
        // compare on the common tokens, each side renormalized over them (the same as no renormalization when
        // the survivors are the same)
        double relative = 2e-5 + 8 * Math.sqrt(logits.length) * ULP;
        for (int i = 0; i < actual.size(); i++) {
            Float p = expected.get(actual.token(i));
            if (p != null) {
                double want = p / commonLlama;
                double got = actual.probability(i) / commonJava;
                assertEquals(want, got, ABSOLUTE + relative * want, what + ": token " + actual.token(i));
            }
        }
    }

    private static void assertCutWithinRounding(float[] logits, double p, Set<Integer> javaOnly,
            Set<Integer> llamaOnly, String what) {
        Integer[] order = new Integer[logits.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            order[i] = i;
            max = Math.max(max, logits[i]);
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double cumulative = 0;
        double tolerance = logits.length * ULP;
        for (int token : order) {
            if (javaOnly.contains(token) || llamaOnly.contains(token)) {
                assertTrue(Math.abs(cumulative - p) <= tolerance, what + ": token " + token
                        + " differs with its exact cumulative probability " + cumulative + " far from " + p);
            }
            cumulative += Math.exp(logits[token] - max) / sum;
        }
        assertTrue(javaOnly.size() + llamaOnly.size() < 0.02 * logits.length, what + ": too many differ");
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 32_768, 131_072})
    void topK(int vocab) {
        float[] l = logits(vocab, vocab, 2);
        for (int k : new int[] {1, 40, 500}) {
            assertAgree(l, SamplerChain.builder().topK(k).build(), c -> NativeSamplers.add(c, NativeSamplers.topK(k)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 32_768, 131_072})
    void topP(int vocab) {
        float[] l = logits(vocab, vocab + 1, 3);
        for (float p : new float[] {0.3f, 0.9f, 0.95f}) {
            assertAgree(l, SamplerChain.builder().topP(p).build(), c -> NativeSamplers.add(c, NativeSamplers.topP(p, 1)), p);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 32_768, 131_072})
    void minP(int vocab) {
        float[] l = logits(vocab, vocab + 2, 2);
        for (float p : new float[] {0.02f, 0.05f, 0.3f}) {
            assertAgree(l, SamplerChain.builder().minP(p).build(), c -> NativeSamplers.add(c, NativeSamplers.minP(p, 1)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 32_768})
    void typical(int vocab) {
        float[] l = logits(vocab, vocab + 3, 2);
        for (float p : new float[] {0.5f, 0.95f}) {
            assertAgree(l, SamplerChain.builder().typicalP(p).build(),
                    c -> NativeSamplers.add(c, NativeSamplers.typical(p, 1)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 32_768, 131_072})
    void temperature(int vocab) {
        float[] l = logits(vocab, vocab + 4, 2);
        for (float t : new float[] {0.3f, 0.8f, 1.7f}) {
            assertAgree(l, SamplerChain.builder().temperature(t).build(),
                    c -> NativeSamplers.add(c, NativeSamplers.temperature(t)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 32_768, 131_072})
    void theDefaultChainAndOneWithEveryStage(int vocab) {
        float[] l = logits(vocab, vocab + 5, 2.5);
        assertAgree(l, SamplerChain.defaults(), c -> {
            NativeSamplers.add(c, NativeSamplers.topK(40));
            NativeSamplers.add(c, NativeSamplers.topP(0.95f, 1));
            NativeSamplers.add(c, NativeSamplers.minP(0.05f, 1));
            NativeSamplers.add(c, NativeSamplers.temperature(0.8f));
        });
        assertAgree(l, SamplerChain.builder().topK(300).typicalP(0.9).topP(0.8).minP(0.01).temperature(1.3).build(), c -> {
            NativeSamplers.add(c, NativeSamplers.topK(300));
            NativeSamplers.add(c, NativeSamplers.typical(0.9f, 1));
            NativeSamplers.add(c, NativeSamplers.topP(0.8f, 1));
            NativeSamplers.add(c, NativeSamplers.minP(0.01f, 1));
            NativeSamplers.add(c, NativeSamplers.temperature(1.3f));
        });
    }
}
