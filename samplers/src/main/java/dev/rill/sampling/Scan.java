package dev.rill.sampling;

/**
 * Whole-vocabulary scans: the largest logit and where it is, checking on the way that no logit is NaN or
 * positive infinity. Negative infinity is allowed: it marks a token that must not be chosen (a grammar's mask,
 * a banned token).
 */
final class Scan {
    /** Values per block: small enough to stay in L1, large enough for the vectorized inner loop to pay off. */
    private static final int BLOCK = 2048;

    private Scan() {
    }

    /**
     * The index of the largest of {@code values[0, size)}, the lowest among equals.
     *
     * @throws IllegalArgumentException for a NaN or positive infinite value
     * @throws IllegalStateException when every value is negative infinity (or size is 0)
     */
    static int argmax(float[] values, int size) {
        int block = bestBlock(values, size);
        int end = Math.min(size, block + BLOCK);
        float best = Float.NEGATIVE_INFINITY;
        int index = -1;
        for (int i = block; i < end; i++) {
            if (values[i] > best) {
                best = values[i];
                index = i;
            }
        }
        return index;
    }

    /** The largest of {@code values[0, size)}, with {@link #argmax}'s checks. */
    static float max(float[] values, int size) {
        int block = bestBlock(values, size);
        int end = Math.min(size, block + BLOCK);
        float best = Float.NEGATIVE_INFINITY;
        for (int i = block; i < end; i++) {
            best = Math.max(best, values[i]);
        }
        return best;
    }

    /** The start of the first block holding the largest value; checks every value. */
    private static int bestBlock(float[] values, int size) {
        float best = Float.NEGATIVE_INFINITY;
        int bestBlock = -1;
        for (int start = 0; start < size; start += BLOCK) {
            int end = Math.min(size, start + BLOCK);
            float m = Float.NEGATIVE_INFINITY;
            for (int i = start; i < end; i++) {
                m = Math.max(m, values[i]); // NaN wins Math.max, so a NaN shows in m
            }
            if (!(m <= best)) { // larger, NaN or +inf
                if (m != m || m == Float.POSITIVE_INFINITY) {
                    throw invalid(values, start, end);
                }
                best = m;
                bestBlock = start;
            }
        }
        if (bestBlock < 0) {
            throw noChoice(size);
        }
        return bestBlock;
    }

    /** The exception for the first NaN or positive infinity in {@code values[from, to)}. */
    static IllegalArgumentException invalid(float[] values, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = values[i];
            if (v != v || v == Float.POSITIVE_INFINITY) {
                return invalidLogit(i, v);
            }
        }
        throw new AssertionError("no invalid logit in [" + from + ", " + to + ")");
    }

    static IllegalArgumentException invalidLogit(int token, float value) {
        return new IllegalArgumentException("logits[" + token + "] must be a finite number or -Infinity, was " + value);
    }

    static IllegalStateException noChoice(int size) {
        return new IllegalStateException(size == 0 ? "the logits are empty: there is no token to choose"
                : "every one of the " + size + " logits is -Infinity: no token can be chosen");
    }
}
