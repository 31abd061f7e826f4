package dev.rill.sampling;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} on the incubating Vector API, bit-identical to {@link ScalarKernels}. Loaded only by
 * {@link Kernels} after it found the module; handles 8- and 16-lane float vectors (AVX2, AVX-512, 256- and
 * 512-bit SVE) and refuses other shapes in its constructor, which leaves the scalar loops in charge.
 */
final class VectorKernels extends Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int L = F.length();
    /** Double lanes per vector: half the float lanes. */
    private static final int DL = L / 2;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187045e-06f;
    private static final float UNDERFLOW = -87.0f;
    // The constants of exp as vectors: lanewise(op, scalar) would broadcast in the loop and cost C2 inlining budget.
    private static final FloatVector V_UNDERFLOW = FloatVector.broadcast(F, UNDERFLOW);
    private static final FloatVector V_LOG2E = FloatVector.broadcast(F, LOG2E);
    private static final FloatVector V_ROUND = FloatVector.broadcast(F, FastMath.ROUND);
    private static final FloatVector V_LN2_HI = FloatVector.broadcast(F, LN2_HI);
    private static final FloatVector V_LN2_LO = FloatVector.broadcast(F, LN2_LO);
    private static final FloatVector V_C7 = FloatVector.broadcast(F, 1f / 5040f);
    private static final FloatVector V_C6 = FloatVector.broadcast(F, 1f / 720f);
    private static final FloatVector V_C5 = FloatVector.broadcast(F, 1f / 120f);
    private static final FloatVector V_C4 = FloatVector.broadcast(F, 1f / 24f);
    private static final FloatVector V_C3 = FloatVector.broadcast(F, 1f / 6f);
    private static final FloatVector V_C2 = FloatVector.broadcast(F, 0.5f);
    private static final FloatVector V_ONE = FloatVector.broadcast(F, 1f);
    private static final FloatVector V_ZERO = FloatVector.zero(F);
    private static final IntVector V_BIAS = IntVector.broadcast(I, FastMath.ROUND_BITS - 127);

    VectorKernels() {
        if (L != 8 && L != 16) {
            throw new UnsupportedOperationException("float vectors of " + L + " lanes");
        }
    }

    @Override
    String name() {
        return "vector(" + L + " lanes)";
    }

    private static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(F, a, i);
    }

    private static DoubleVector low(FloatVector x) {
        return (DoubleVector) x.convert(VectorOperators.F2D, 0);
    }

    private static DoubleVector high(FloatVector x) {
        return (DoubleVector) x.convert(VectorOperators.F2D, 1);
    }

    private static double laneSum(double[] lanes) {
        double s = 0;
        for (double lane : lanes) {
            s += lane;
        }
        return s;
    }

    @Override
    float max(float[] v, int n) {
        FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        FloatVector m1 = m0;
        FloatVector m2 = m0;
        FloatVector m3 = m0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            m0 = m0.max(load(v, i));
            m1 = m1.max(load(v, i + L));
            m2 = m2.max(load(v, i + 2 * L));
            m3 = m3.max(load(v, i + 3 * L));
        }
        for (; i <= n - L; i += L) {
            m0 = m0.max(load(v, i));
        }
        float best = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX); // NaN wins, as in Math.max
        for (; i < n; i++) {
            best = Math.max(best, v[i]);
        }
        if (best != best || best == Float.POSITIVE_INFINITY) {
            throw Scan.invalid(v, 0, n);
        }
        if (best == Float.NEGATIVE_INFINITY) {
            throw Scan.noChoice(n);
        }
        return best;
    }

    @Override
    int argmax(float[] v, int n) {
        float best = max(v, n);
        FloatVector b = FloatVector.broadcast(F, best);
        int i = 0;
        for (; i <= n - L; i += L) {
            VectorMask<Float> m = load(v, i).eq(b);
            if (m.anyTrue()) {
                return i + m.firstTrue();
            }
        }
        for (; i < n; i++) {
            if (v[i] == best) {
                return i;
            }
        }
        throw new AssertionError("the maximum " + best + " vanished");
    }

    @Override
    int nextAbove(float[] v, int from, int to, float min) {
        FloatVector t = FloatVector.broadcast(F, min);
        int i = from;
        for (; i <= to - 4 * L; i += 4 * L) {
            VectorMask<Float> le = load(v, i).compare(VectorOperators.LE, t)
                    .and(load(v, i + L).compare(VectorOperators.LE, t))
                    .and(load(v, i + 2 * L).compare(VectorOperators.LE, t))
                    .and(load(v, i + 3 * L).compare(VectorOperators.LE, t));
            if (!le.allTrue()) {
                break; // the vector loop below finds the lane
            }
        }
        for (; i <= to - L; i += L) {
            VectorMask<Float> le = load(v, i).compare(VectorOperators.LE, t);
            if (!le.allTrue()) {
                return i + le.not().firstTrue();
            }
        }
        for (; i < to; i++) {
            if (!(v[i] <= min)) {
                return i;
            }
        }
        return to;
    }

    @Override
    double expBlocks(float[] v, int n, float top, float scale, float[] out, double[] blockSums) {
        double[] lanes = new double[LANES];
        double total = 0;
        for (int start = 0, b = 0; start < n; start += BLOCK, b++) {
            expBlock(v, start, Math.min(n, start + BLOCK), top, scale, out, lanes);
            double s = laneSum(lanes);
            blockSums[b] = s;
            total += s;
        }
        return total;
    }

    /**
     * One block of {@link #expBlocks} into its 16 lanes. A method of its own: in one larger method C2 reached its
     * node limit for inlining, and the vectors of the calls it left out were boxed (a hundred times slower).
     */
    private static void expBlock(float[] v, int start, int end, float top, float scale, float[] out,
            double[] lanes) {
        DoubleVector zero = DoubleVector.zero(D);
        FloatVector vTop = FloatVector.broadcast(F, top);
        FloatVector vScale = FloatVector.broadcast(F, scale);
        DoubleVector a0 = zero;
        DoubleVector a1 = zero;
        DoubleVector a2 = zero;
        DoubleVector a3 = zero;
        int i = start;
        // exp written out in the loop body, twice for 8 lanes: C2 keeps the vectors in registers only when
        // everything is inlined straight-line (through a helper call or an inner loop they were boxed).
        // Same operations, in the same order, as FastMath.expNonPositive.
        for (; i <= end - LANES; i += LANES) {
            FloatVector x0 = load(v, i).sub(vTop).mul(vScale);
            FloatVector c0 = x0.max(V_UNDERFLOW);
            FloatVector n0 = c0.mul(V_LOG2E).add(V_ROUND);
            FloatVector k0 = n0.sub(V_ROUND);
            FloatVector r0 = c0.sub(k0.mul(V_LN2_HI)).sub(k0.mul(V_LN2_LO));
            FloatVector p0 = r0.mul(V_C7).add(V_C6);
            p0 = p0.mul(r0).add(V_C5);
            p0 = p0.mul(r0).add(V_C4);
            p0 = p0.mul(r0).add(V_C3);
            p0 = p0.mul(r0).add(V_C2);
            p0 = p0.mul(r0).add(V_ONE);
            p0 = p0.mul(r0).add(V_ONE);
            FloatVector w0 = p0.mul(n0.reinterpretAsInts().sub(V_BIAS)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).blend(V_ZERO, x0.lt(V_UNDERFLOW));
            if (out != null) {
                w0.intoArray(out, i);
            }
            a0 = a0.add(low(w0));
            a1 = a1.add(high(w0));
            if (L == 8) {
                FloatVector x1 = load(v, i + 8).sub(vTop).mul(vScale);
                FloatVector c1 = x1.max(V_UNDERFLOW);
                FloatVector n1 = c1.mul(V_LOG2E).add(V_ROUND);
                FloatVector k1 = n1.sub(V_ROUND);
                FloatVector r1 = c1.sub(k1.mul(V_LN2_HI)).sub(k1.mul(V_LN2_LO));
                FloatVector p1 = r1.mul(V_C7).add(V_C6);
                p1 = p1.mul(r1).add(V_C5);
                p1 = p1.mul(r1).add(V_C4);
                p1 = p1.mul(r1).add(V_C3);
                p1 = p1.mul(r1).add(V_C2);
                p1 = p1.mul(r1).add(V_ONE);
                p1 = p1.mul(r1).add(V_ONE);
                FloatVector w1 = p1.mul(n1.reinterpretAsInts().sub(V_BIAS)
                        .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()).blend(V_ZERO, x1.lt(V_UNDERFLOW));
                if (out != null) {
                    w1.intoArray(out, i + 8);
                }
                a2 = a2.add(low(w1));
                a3 = a3.add(high(w1));
            }
        }
        store(a0, a1, a2, a3, lanes);
        for (; i < end; i++) {
            float w = FastMath.expNonPositive((v[i] - top) * scale);
            if (out != null) {
                out[i] = w;
            }
            lanes[i & (LANES - 1)] += w;
        }
    }

    /** The double accumulators of one block into the 16 canonical lanes. */
    private static void store(DoubleVector a0, DoubleVector a1, DoubleVector a2, DoubleVector a3, double[] lanes) {
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, DL);
        if (L == 8) {
            a2.intoArray(lanes, 8);
            a3.intoArray(lanes, 12);
        }
    }

    @Override
    double sumBlocks(float[] w, int n, double[] blockSums) {
        double[] lanes = new double[LANES];
        double total = 0;
        DoubleVector zero = DoubleVector.zero(D);
        for (int start = 0, b = 0; start < n; start += BLOCK, b++) {
            int end = Math.min(n, start + BLOCK);
            DoubleVector a0 = zero;
            DoubleVector a1 = zero;
            DoubleVector a2 = zero;
            DoubleVector a3 = zero;
            int i = start;
            for (; i <= end - LANES; i += LANES) {
                FloatVector x0 = load(w, i);
                a0 = a0.add(low(x0));
                a1 = a1.add(high(x0));
                if (L == 8) {
                    FloatVector x1 = load(w, i + 8);
                    a2 = a2.add(low(x1));
                    a3 = a3.add(high(x1));
                }
            }
            store(a0, a1, a2, a3, lanes);
            for (; i < end; i++) {
                lanes[i & (LANES - 1)] += w[i];
            }
            double s = laneSum(lanes);
            blockSums[b] = s;
            total += s;
        }
        return total;
    }

    @Override
    double weightedShift(float[] w, float[] v, int n, float top) {
        double[] lanes = new double[LANES];
        double total = 0;
        DoubleVector zero = DoubleVector.zero(D);
        for (int start = 0; start < n; start += BLOCK) {
            int end = Math.min(n, start + BLOCK);
            DoubleVector a0 = zero;
            DoubleVector a1 = zero;
            DoubleVector a2 = zero;
            DoubleVector a3 = zero;
            int i = start;
            for (; i <= end - LANES; i += LANES) {
                FloatVector w0 = load(w, i);
                FloatVector x0 = w0.mul(load(v, i).sub(top)).blend(0f, w0.compare(VectorOperators.LE, 0f));
                a0 = a0.add(low(x0));
                a1 = a1.add(high(x0));
                if (L == 8) {
                    FloatVector w1 = load(w, i + 8);
                    FloatVector x1 = w1.mul(load(v, i + 8).sub(top)).blend(0f, w1.compare(VectorOperators.LE, 0f));
                    a2 = a2.add(low(x1));
                    a3 = a3.add(high(x1));
                }
            }
            store(a0, a1, a2, a3, lanes);
            for (; i < end; i++) {
                float x = w[i] > 0 ? w[i] * (v[i] - top) : 0f;
                lanes[i & (LANES - 1)] += x;
            }
            total += laneSum(lanes);
        }
        return total;
    }

    @Override
    void negate(float[] v, int n, float[] out) {
        int i = 0;
        for (; i <= n - L; i += L) {
            load(v, i).neg().intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = -v[i];
        }
    }

    @Override
    void absDiff(float[] v, int n, float c, float[] out) {
        FloatVector cv = FloatVector.broadcast(F, c);
        int i = 0;
        for (; i <= n - L; i += L) {
            cv.sub(load(v, i)).abs().intoArray(out, i);
        }
        for (; i < n; i++) {
            out[i] = Math.abs(c - v[i]);
        }
    }

    @Override
    void keyRange(float[] key, int n, float[] out) {
        FloatVector mn = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
        FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector k = load(key, i);
            mn = mn.min(k);
            mx = mx.max(k.blend(Float.NEGATIVE_INFINITY, k.eq(Float.POSITIVE_INFINITY)));
        }
        float min = mn.reduceLanes(VectorOperators.MIN);
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float k = key[i];
            min = Math.min(min, k);
            if (k != Float.POSITIVE_INFINITY) {
                max = Math.max(max, k);
            }
        }
        out[0] = min;
        out[1] = max;
    }

    @Override
    void massesBelow(float[] key, float[] w, int n, float[] t, int count, double[] out) {
        float[] fl = new float[LANES];
        double[] dl = new double[count * LANES];
        FloatVector zero = FloatVector.zero(F);
        for (int start = 0; start < n; start += BLOCK) {
            int end = Math.min(n, start + BLOCK);
            for (int j = 0; j < count; j++) {
                float tj = t[j];
                FloatVector f0 = zero;
                FloatVector f1 = zero;
                int i = start;
                for (; i <= end - LANES; i += LANES) {
                    f0 = f0.add(load(w, i), load(key, i).compare(VectorOperators.LT, tj));
                    if (L == 8) {
                        f1 = f1.add(load(w, i + 8), load(key, i + 8).compare(VectorOperators.LT, tj));
                    }
                }
                f0.intoArray(fl, 0);
                if (L == 8) {
                    f1.intoArray(fl, 8);
                }
                for (; i < end; i++) {
                    if (key[i] < tj) {
                        fl[i & (LANES - 1)] += w[i];
                    }
                }
                for (int l = 0; l < LANES; l++) {
                    dl[j * LANES + l] += fl[l];
                }
            }
        }
        for (int j = 0; j < count; j++) {
            double s = 0;
            for (int l = 0; l < LANES; l++) {
                s += dl[j * LANES + l];
            }
            out[j] = s;
        }
    }

    @Override
    int compressRange(float[] key, float[] w, int[] pos, int n, float lo, float hi, int[] outPos, float[] outKey,
            float[] outW) {
        IntVector iota = IntVector.zero(I).addIndex(1);
        int kept = 0;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector k = load(key, i);
            VectorMask<Float> m = k.compare(VectorOperators.GE, lo).and(k.compare(VectorOperators.LT, hi));
            if (m.anyTrue()) {
                // Each array is read before it is written, and kept <= i: the outputs may be the inputs.
                IntVector p = pos == null ? iota.add(i) : IntVector.fromArray(I, pos, i);
                FloatVector wv = load(w, i);
                k.compress(m).intoArray(outKey, kept);
                wv.compress(m).intoArray(outW, kept);
                p.compress(m.cast(I)).intoArray(outPos, kept);
                kept += m.trueCount();
            }
        }
        for (; i < n; i++) {
            float k = key[i];
            if (k >= lo && k < hi) {
                outPos[kept] = pos == null ? i : pos[i];
                outKey[kept] = k;
                outW[kept] = w[i];
                kept++;
            }
        }
        return kept;
    }

    @Override
    int compressBelow(float[] key, float hi, int n, int[] ids, float[] vals, float[] w, int[] outIds,
            float[] outVals, float[] outW) {
        IntVector iota = IntVector.zero(I).addIndex(1);
        int kept = 0;
        int i = 0;
        for (; i <= n - L; i += L) {
            VectorMask<Float> m = load(key, i).compare(VectorOperators.LT, hi);
            if (m.anyTrue()) {
                IntVector p = ids == null ? iota.add(i) : IntVector.fromArray(I, ids, i);
                FloatVector vv = load(vals, i);
                FloatVector wv = load(w, i);
                vv.compress(m).intoArray(outVals, kept);
                wv.compress(m).intoArray(outW, kept);
                p.compress(m.cast(I)).intoArray(outIds, kept);
                kept += m.trueCount();
            }
        }
        for (; i < n; i++) {
            if (key[i] < hi) {
                outIds[kept] = ids == null ? i : ids[i];
                outVals[kept] = vals[i];
                outW[kept] = w[i];
                kept++;
            }
        }
        return kept;
    }

    @Override
    int selectAtLeast(float[] v, int n, float threshold, int[] outIds, float[] outVals) {
        IntVector iota = IntVector.zero(I).addIndex(1);
        int kept = 0;
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector x = load(v, i);
            VectorMask<Float> m = x.compare(VectorOperators.GE, threshold);
            if (m.anyTrue()) {
                x.compress(m).intoArray(outVals, kept);
                iota.add(i).compress(m.cast(I)).intoArray(outIds, kept);
                kept += m.trueCount();
            }
        }
        for (; i < n; i++) {
            float value = v[i];
            if (value >= threshold) {
                outIds[kept] = i;
                outVals[kept] = value;
                kept++;
            }
        }
        return kept;
    }
}
