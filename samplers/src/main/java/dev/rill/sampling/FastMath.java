package dev.rill.sampling;

/** A fast {@code exp} for the non-positive arguments softmax needs, the reference for the vector kernels' lane-by-lane version. */
final class FastMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187045e-06f;
    /** Below this, e^x is under the smallest normal float and is returned as 0. */
    private static final float UNDERFLOW = -87.0f;

    private FastMath() {
    }

    /** 1.5 * 2^23: adding it to a float of magnitude under 2^22 rounds that float to an integer, half to even. */
    static final float ROUND = 12582912f;
    static final int ROUND_BITS = 0x4B400000;

    /**
     * e^x for x &lt;= 0 (and x = -inf), within 2e-7 relative error; 0 below -87. Range reduction x = k ln 2 + r
     * with k = x log2(e) rounded to the nearest integer (by adding and subtracting {@link #ROUND}, no conversion)
     * and |r| &lt;= ln 2 / 2, then a degree-7 Taylor polynomial for e^r (truncation error under 5e-9).
     */
    static float expNonPositive(float x) {
        float clamped = Math.max(x, UNDERFLOW);
        float rounded = clamped * LOG2E + ROUND;
        int k = Float.floatToRawIntBits(rounded) - ROUND_BITS;
        float kf = rounded - ROUND;
        float r = clamped - kf * LN2_HI - kf * LN2_LO;
        float p = 1f / 5040f;
        p = p * r + 1f / 720f;
        p = p * r + 1f / 120f;
        p = p * r + 1f / 24f;
        p = p * r + 1f / 6f;
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        float scaled = p * Float.intBitsToFloat((k + 127) << 23);
        return x < UNDERFLOW ? 0f : scaled;
    }
}
