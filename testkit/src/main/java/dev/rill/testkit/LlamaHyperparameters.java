package dev.rill.testkit;

/**
 * The shape of a llama-architecture model (the {@code llama.*} metadata). The vocabulary size comes from the
 * {@link Vocabulary}; the rotary dimension count is the head size, as llama.cpp requires for this architecture.
 */
public record LlamaHyperparameters(int contextLength, int embeddingLength, int blockCount, int feedForwardLength,
                                   int headCount, int headCountKv, float rmsNormEpsilon) {

    /** The RMS-norm epsilon used by {@link #of}. */
    public static final float DEFAULT_RMS_NORM_EPSILON = 1e-5f;

    public LlamaHyperparameters {
        requirePositive("contextLength", contextLength);
        requirePositive("embeddingLength", embeddingLength);
        requirePositive("blockCount", blockCount);
        requirePositive("feedForwardLength", feedForwardLength);
        requirePositive("headCount", headCount);
        requirePositive("headCountKv", headCountKv);
        if (embeddingLength % headCount != 0) {
            throw new IllegalArgumentException(
                    "embeddingLength " + embeddingLength + " is not a multiple of headCount " + headCount);
        }
        if ((embeddingLength / headCount) % 2 != 0) {
            throw new IllegalArgumentException("the head size " + embeddingLength / headCount
                    + " must be even for rotary embeddings");
        }
        if (headCount % headCountKv != 0) {
            throw new IllegalArgumentException(
                    "headCount " + headCount + " is not a multiple of headCountKv " + headCountKv);
        }
        if (!(rmsNormEpsilon > 0f)) {
            throw new IllegalArgumentException("rmsNormEpsilon must be positive");
        }
    }

    /** A shape with a 4096-token context, as many KV heads as heads and the default epsilon. */
    public static LlamaHyperparameters of(int embeddingLength, int blockCount, int headCount, int feedForwardLength) {
        return new LlamaHyperparameters(4096, embeddingLength, blockCount, feedForwardLength, headCount, headCount,
                DEFAULT_RMS_NORM_EPSILON);
    }

    /** The size of one attention head, which is also the rotary dimension count. */
    public int headSize() {
        return embeddingLength / headCount;
    }

    /** The width of the K and V projections ({@code headSize * headCountKv}). */
    public int kvWidth() {
        return headSize() * headCountKv;
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
