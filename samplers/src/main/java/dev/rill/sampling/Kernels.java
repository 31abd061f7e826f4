package dev.rill.sampling;

/**
 * The whole-vocabulary loops of the samplers, in two implementations that give bit-identical results: a scalar
 * one ({@link ScalarKernels}) that always works, and one on the incubating Vector API ({@code VectorKernels}),
 * used when the JVM was started with {@code --add-modules jdk.incubator.vector}.
 *
 * <p>Identical results need identical arithmetic: the same polynomial {@code exp} with the same float operations
 * in the same order (no fused multiply-add), and sums in a fixed order. Every sum of weights here is
 * <em>canonical</em>: the values are cut into blocks of {@link #BLOCK}; within a block, value i goes to lane
 * {@code i mod 16} of 16 double accumulators, added in index order; a block's sum is its 16 lanes added in lane
 * order, and the total is the block sums added in block order. {@link #massesBelow} sums in float lanes instead
 * and adds them to the double lanes once per block.
 *
 * <p>The Vector API classes are loaded only after checking that the module is in the boot layer, so a JVM
 * without it never sees them. {@code -Ddev.rill.sampling.simd=false} forces the scalar loops for sequences
 * created afterwards.
 */
abstract class Kernels {
    /** Values per block of a canonical sum; a multiple of 16. */
    static final int BLOCK = 1024;
    /** Lanes of a canonical sum. */
    static final int LANES = 16;

    static final Kernels SCALAR = new ScalarKernels();
    private static final Kernels BEST = load();

    /** The fastest implementation this JVM can run. */
    static Kernels best() {
        return BEST;
    }

    /** The implementation a new sequence uses: {@link #best()} unless the system property turns SIMD off. */
    static Kernels current() {
        return "false".equalsIgnoreCase(System.getProperty("dev.rill.sampling.simd")) ? SCALAR : BEST;
    }

    private static Kernels load() {
        if (!ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            return SCALAR;
        }
        try {
            return (Kernels) Class.forName("dev.rill.sampling.VectorKernels").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return SCALAR; // a vector shape the kernels do not handle, or the module not readable
        }
    }

    /** A name for messages and benchmarks. */
    abstract String name();

    /**
     * The largest of {@code v[0, n)}.
     *
     * @throws IllegalArgumentException naming the first NaN or positive infinite value
     * @throws IllegalStateException when every value is negative infinity (or n is 0)
     */
    abstract float max(float[] v, int n);

    /** The index of the largest of {@code v[0, n)}, the lowest among equals, with {@link #max}'s checks. */
    abstract int argmax(float[] v, int n);

    /** The first index in {@code [from, to)} whose value is not {@code <= min} (larger, or NaN), else {@code to}. */
    abstract int nextAbove(float[] v, int from, int to, float min);

    /**
     * The canonical sum of {@code w[i] = exp((v[i] - top) * scale)} (with {@link FastMath#expNonPositive}) over
     * {@code [0, n)}; writes each block's sum to {@code blockSums} and, unless {@code out} is null, the weights to
     * {@code out}.
     */
    abstract double expBlocks(float[] v, int n, float top, float scale, float[] out, double[] blockSums);

    /** The canonical sum of {@code w[0, n)}; writes each block's sum to {@code blockSums}. */
    abstract double sumBlocks(float[] w, int n, double[] blockSums);

    /** The canonical sum of {@code w[i] * (v[i] - top)} (a float product) over the i where {@code w[i] > 0}. */
    abstract double weightedShift(float[] w, float[] v, int n, float top);

    /** {@code out[i] = -v[i]}. */
    abstract void negate(float[] v, int n, float[] out);

    /** {@code out[i] = |c - v[i]|}. */
    abstract void absDiff(float[] v, int n, float c, float[] out);

    /** {@code out[0]} = the smallest of {@code key[0, n)}, {@code out[1]} = the largest that is not +inf. */
    abstract void keyRange(float[] key, int n, float[] out);

    /**
     * For each j in {@code [0, count)} (the thresholds {@code t} ascending): {@code out[j]} = the sum of the
     * {@code w[i]} with {@code key[i] < t[j]},
     * in 16 float lanes per block (lane {@code i mod 16}), each block's lanes then added to 16 double lanes, and
     * the double lanes added in order at the end. Approximate (float) but the same in every implementation.
     */
    abstract void massesBelow(float[] key, float[] w, int n, float[] t, int count, double[] out);

    /**
     * Copies the elements with {@code lo <= key[i] < hi}, in order, to the front of {@code outPos} (their
     * {@code pos[i]}, or i when {@code pos} is null), {@code outKey} and {@code outW}; returns their number. The
     * outputs may be the inputs.
     */
    abstract int compressRange(float[] key, float[] w, int[] pos, int n, float lo, float hi, int[] outPos,
            float[] outKey, float[] outW);

    /**
     * Copies the elements with {@code key[i] < hi}, in order, to the front of {@code outIds} (their
     * {@code ids[i]}, or i when {@code ids} is null), {@code outVals} and {@code outW}; returns their number.
     */
    abstract int compressBelow(float[] key, float hi, int n, int[] ids, float[] vals, float[] w, int[] outIds,
            float[] outVals, float[] outW);

    /** Copies the i with {@code v[i] >= threshold} and their values to the front of {@code outIds}, {@code outVals}. */
    abstract int selectAtLeast(float[] v, int n, float threshold, int[] outIds, float[] outVals);
}
