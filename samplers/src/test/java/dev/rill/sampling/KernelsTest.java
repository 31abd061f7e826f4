package dev.rill.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels (the build runs the tests with {@code --add-modules jdk.incubator.vector}) against the scalar
 * ones: the same results to the bit, the same exceptions, kernel by kernel and through whole chains.
 */
class KernelsTest {
    private static final Kernels SCALAR = Kernels.SCALAR;
    private static final Kernels BEST = Kernels.best();
    private static final float NINF = Float.NEGATIVE_INFINITY;

    @Test
    void theVectorKernelsAreInUseWhenTheModuleIsPresent() {
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (present) {
            assertNotSame(SCALAR, BEST, "the vector module is present but the scalar kernels were chosen");
            assertTrue(BEST.name().startsWith("vector"), BEST.name());
        } else {
            assertEquals("scalar", BEST.name());
        }
    }

    @Test
    void theSystemPropertyForcesTheScalarKernels() {
        String old = System.getProperty("dev.rill.sampling.simd");
        try {
            System.setProperty("dev.rill.sampling.simd", "false");
            assertEquals(SCALAR, Kernels.current());
            assertEquals(TokenChoice.class, Sampler.greedy().newSequence(0).choose(Logits.wrap(1f, 2f)).getClass());
        } finally {
            if (old == null) {
                System.clearProperty("dev.rill.sampling.simd");
            } else {
                System.setProperty("dev.rill.sampling.simd", old);
            }
        }
        assertEquals(BEST, Kernels.current());
    }

    /** Standard normal logits times a spread, with optional -inf masks, ties and huge or tiny values. */
    private static float[] logits(SplittableRandom random, int size, int kind) {
        float[] v = new float[size];
        double spread = 0.3 + 4 * random.nextDouble();
        for (int i = 0; i < size; i++) {
            v[i] = (float) (spread * random.nextGaussian());
        }
        switch (kind) {
            case 1 -> { // masked tokens
                for (int i = 0; i < size / 4; i++) {
                    v[random.nextInt(size)] = NINF;
                }
            }
            case 2 -> { // coarse values: many ties
                for (int i = 0; i < size; i++) {
                    v[i] = Math.round(v[i] * 4) / 4f;
                }
            }
            case 3 -> { // a wide range: many weights underflow to 0
                for (int i = 0; i < size; i++) {
                    v[i] *= 40;
                }
            }
            case 4 -> { // almost everything masked
                for (int i = 0; i < size; i++) {
                    if (random.nextInt(50) != 0) {
                        v[i] = NINF;
                    }
                }
                if (size > 0) {
                    v[random.nextInt(size)] = 1f;
                }
            }
            default -> {
            }
        }
        return v;
    }

    private static <T> void assertSame(Supplier<T> scalar, Supplier<T> vector, String what) {
        Object a;
        Object b;
        try {
            a = scalar.get();
        } catch (RuntimeException e) {
            a = e.getClass().getName() + ": " + e.getMessage();
        }
        try {
            b = vector.get();
        } catch (RuntimeException e) {
            b = e.getClass().getName() + ": " + e.getMessage();
        }
        if (a instanceof float[] fa && b instanceof float[] fb) {
            assertArrayEquals(fa, fb, what);
        } else if (a instanceof double[] da && b instanceof double[] db) {
            assertArrayEquals(da, db, what);
        } else {
            assertEquals(a, b, what);
        }
    }

    @Test
    void maxAndArgmaxAgreeIncludingNaNInfinityAndAllMasked() {
        SplittableRandom random = new SplittableRandom(3);
        for (int size : new int[] {0, 1, 7, 15, 16, 17, 63, 64, 65, 1000, 4099, 70_001}) {
            for (int kind = 0; kind < 5; kind++) {
                float[] v = logits(random, size, kind);
                check(v, "kind " + kind + " size " + size);
                if (size > 0) {
                    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                        float[] w = v.clone();
                        w[random.nextInt(size)] = bad;
                        w[random.nextInt(size)] = bad;
                        check(w, "with " + bad);
                    }
                    float[] masked = new float[size];
                    Arrays.fill(masked, NINF);
                    check(masked, "all -inf");
                    masked[random.nextInt(size)] = Float.NaN;
                    check(masked, "-inf and NaN");
                }
            }
        }
    }

    private static void check(float[] v, String what) {
        int n = v.length;
        assertSame(() -> SCALAR.max(v, n), () -> BEST.max(v, n), "max " + what);
        assertSame(() -> SCALAR.argmax(v, n), () -> BEST.argmax(v, n), "argmax " + what);
        for (float min : new float[] {-1f, 0f, 1.5f, 3f, NINF}) {
            for (int from : new int[] {0, 1, n / 3}) {
                int f = Math.min(from, n);
                assertSame(() -> SCALAR.nextAbove(v, f, n, min), () -> BEST.nextAbove(v, f, n, min),
                        "nextAbove " + min + " from " + f + " " + what);
            }
        }
    }

    @Test
    void sumsExpAndCompactionsAreBitIdentical() {
        SplittableRandom random = new SplittableRandom(5);
        for (int size : new int[] {1, 15, 16, 17, 100, 1023, 1024, 1025, 5000, 40_003}) {
            for (int kind = 0; kind < 5; kind++) {
                float[] v = logits(random, size, kind);
                String what = "kind " + kind + " size " + size;
                float top = SCALAR.max(v, size);
                float scale = (float) (0.2 + 2 * random.nextDouble());
                int blocks = size / Kernels.BLOCK + 1;
                float[] ws = new float[size];
                float[] wv = new float[size];
                double[] bs = new double[blocks];
                double[] bv = new double[blocks];
                assertEquals(SCALAR.expBlocks(v, size, top, scale, ws, bs), BEST.expBlocks(v, size, top, scale, wv, bv),
                        what);
                assertArrayEquals(ws, wv, what);
                assertArrayEquals(bs, bv, what);
                assertEquals(SCALAR.expBlocks(v, size, top, scale, null, bs), BEST.expBlocks(v, size, top, scale, null, bv));
                assertEquals(SCALAR.sumBlocks(ws, size, bs), BEST.sumBlocks(ws, size, bv), what);
                assertArrayEquals(bs, bv, what);
                assertEquals(SCALAR.weightedShift(ws, v, size, top), BEST.weightedShift(ws, v, size, top), what);

                float c = (float) random.nextGaussian();
                assertSame(() -> keys(SCALAR, v, c), () -> keys(BEST, v, c), "keys " + what);
                float[] key = keys(SCALAR, v, c);
                float[] rs = new float[2];
                float[] rv = new float[2];
                SCALAR.keyRange(key, size, rs);
                BEST.keyRange(key, size, rv);
                assertArrayEquals(rs, rv, what);

                float[] t = {-2f, -0.5f, 0f, 0.25f, 1f, 3f, Float.POSITIVE_INFINITY};
                double[] ms = new double[t.length];
                double[] mv = new double[t.length];
                SCALAR.massesBelow(key, ws, size, t, t.length, ms);
                BEST.massesBelow(key, ws, size, t, t.length, mv);
                assertArrayEquals(ms, mv, what);

                float lo = (float) random.nextGaussian();
                float hi = lo + (float) random.nextDouble();
                assertSame(() -> range(SCALAR, key, ws, size, lo, hi), () -> range(BEST, key, ws, size, lo, hi),
                        "compressRange " + what);
                assertSame(() -> below(SCALAR, key, v, ws, size, hi), () -> below(BEST, key, v, ws, size, hi),
                        "compressBelow " + what);
                assertSame(() -> atLeast(SCALAR, v, size, lo), () -> atLeast(BEST, v, size, lo), "selectAtLeast " + what);
            }
        }
    }

    private static float[] keys(Kernels k, float[] v, float c) {
        float[] a = new float[v.length];
        float[] b = new float[v.length];
        k.negate(v, v.length, a);
        k.absDiff(v, v.length, c, b);
        float[] both = Arrays.copyOf(a, 2 * v.length);
        System.arraycopy(b, 0, both, v.length, v.length);
        return both;
    }

    private static List<Object> range(Kernels k, float[] key, float[] w, int n, float lo, float hi) {
        int[] pos = new int[n];
        float[] ok = new float[n];
        float[] ow = new float[n];
        int m = k.compressRange(key, w, null, n, lo, hi, pos, ok, ow);
        // again, in place, with positions given
        int[] pos2 = pos.clone();
        float[] key2 = ok.clone();
        float[] w2 = ow.clone();
        int m2 = k.compressRange(key2, w2, pos2, m, lo + (hi - lo) / 3, hi, pos2, key2, w2);
        return List.of(m, Arrays.toString(Arrays.copyOf(pos, m)), Arrays.toString(Arrays.copyOf(ok, m)),
                Arrays.toString(Arrays.copyOf(ow, m)), m2, Arrays.toString(Arrays.copyOf(pos2, m2)),
                Arrays.toString(Arrays.copyOf(key2, m2)), Arrays.toString(Arrays.copyOf(w2, m2)));
    }

    private static List<Object> below(Kernels k, float[] key, float[] v, float[] w, int n, float hi) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 3 * i + 1;
        }
        List<Object> out = new ArrayList<>();
        for (int[] in : new int[][] {null, ids}) {
            int[] oi = new int[n];
            float[] ov = new float[n];
            float[] ow = new float[n];
            int m = k.compressBelow(key, hi, n, in, v, w, oi, ov, ow);
            out.add(m);
            out.add(Arrays.toString(Arrays.copyOf(oi, m)));
            out.add(Arrays.toString(Arrays.copyOf(ov, m)));
            out.add(Arrays.toString(Arrays.copyOf(ow, m)));
        }
        return out;
    }

    private static List<Object> atLeast(Kernels k, float[] v, int n, float threshold) {
        int[] oi = new int[n];
        float[] ov = new float[n];
        int m = k.selectAtLeast(v, n, threshold, oi, ov);
        return List.of(m, Arrays.toString(Arrays.copyOf(oi, m)), Arrays.toString(Arrays.copyOf(ov, m)));
    }

    @Test
    void wholeChainsGiveIdenticalDistributionsAndDraws() {
        SplittableRandom random = new SplittableRandom(11);
        for (int size : new int[] {10, 700, 2049, 5000, 33_000, 131_072}) {
            for (int kind = 0; kind < 5; kind++) {
                float[] v = logits(random, size, kind);
                for (SamplerChain chain : chains(random)) {
                    String what = chain + " kind " + kind + " size " + size;
                    assertSame(() -> chain.distribution(Logits.wrap(v), SCALAR),
                            () -> chain.distribution(Logits.wrap(v), BEST), what);
                    assertSame(() -> draws(chain, v, SCALAR), () -> draws(chain, v, BEST), "draws " + what);
                }
                assertSame(() -> greedy(v, SCALAR), () -> greedy(v, BEST), "greedy kind " + kind);
            }
        }
        float[] bad = logits(random, 50_000, 0);
        bad[31_337] = Float.NaN;
        for (SamplerChain chain : chains(random)) {
            assertSame(() -> chain.distribution(Logits.wrap(bad), SCALAR), () -> chain.distribution(Logits.wrap(bad), BEST),
                    "NaN " + chain);
        }
    }

    private static List<SamplerChain> chains(SplittableRandom random) {
        double p = 0.5 + 0.49 * random.nextDouble();
        return List.of(Sampler.chain().build(), Sampler.chain().temperature(0.8).build(),
                Sampler.chain().topK(40).build(), SamplerChain.defaults(),
                Sampler.chain().topP(p).build(), Sampler.chain().topP(0.95).temperature(0.7).build(),
                Sampler.chain().minP(0.05).build(), Sampler.chain().typicalP(p).build(),
                Sampler.chain().typicalP(0.9).topP(0.9).minP(0.02).temperature(1.3).build(),
                Sampler.chain().topK(3000).topP(p).build(), Sampler.chain().topP(p).temperature(0).build());
    }

    private static List<TokenChoice> draws(SamplerChain chain, float[] v, Kernels kernels) {
        ChainSequence s = new ChainSequence(chain, 99, kernels);
        List<TokenChoice> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add(s.choose(Logits.wrap(v)));
        }
        return out;
    }

    private static TokenChoice greedy(float[] v, Kernels kernels) {
        return new ChainSequence(Sampler.chain().temperature(0).build(), 0, kernels).choose(Logits.wrap(v));
    }
}
