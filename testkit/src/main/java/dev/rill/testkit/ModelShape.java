package dev.rill.testkit;

import java.util.Arrays;

/**
 * The hyperparameters of a transformer model, common to every {@link Architecture}: the sizes its tensors and
 * metadata are written from. Each architecture accepts the shapes llama.cpp can run for it (see
 * {@link Architecture}); start from {@link Architecture#tinyShape()} or {@link Architecture#realisticShape()} and
 * change it with {@link #toBuilder()}.
 *
 * <p>Attention projects the {@code embeddingLength}-wide stream to {@code headCount} query heads and
 * {@code headCountKv} key/value heads of {@code headSize} values each; the first {@code ropeDimensionCount} values of
 * a head are rotated. A {@code slidingWindow} of 0 means every layer attends to the whole context; otherwise, in
 * each run of {@code slidingWindowPattern} layers, all but the last attend to the window only (with rotary base
 * {@code ropeFreqBaseSwa}). An {@code expertCount} of 0 means a dense feed-forward network of
 * {@code feedForwardLength}; otherwise each token goes through {@code expertUsedCount} of {@code expertCount}
 * experts of {@code expertFeedForwardLength}.
 *
 * @param tiedEmbeddings whether the output projection reuses {@code token_embd.weight} (no {@code output.weight})
 */
public record ModelShape(int vocabularySize, int contextLength, int embeddingLength, int blockCount,
                         int feedForwardLength, int headCount, int headCountKv, int headSize, int ropeDimensionCount,
                         float ropeFreqBase, float rmsNormEpsilon, boolean tiedEmbeddings,
                         int slidingWindow, int slidingWindowPattern, float ropeFreqBaseSwa,
                         int expertCount, int expertUsedCount, int expertFeedForwardLength) {

    /** The rotary base of sliding-window layers that the builder uses unless told otherwise. */
    public static final float DEFAULT_ROPE_FREQ_BASE_SWA = 10_000f;

    public ModelShape {
        requirePositive("vocabularySize", vocabularySize);
        requirePositive("contextLength", contextLength);
        requirePositive("embeddingLength", embeddingLength);
        requirePositive("blockCount", blockCount);
        requirePositive("feedForwardLength", feedForwardLength);
        requirePositive("headCount", headCount);
        requirePositive("headCountKv", headCountKv);
        requirePositive("headSize", headSize);
        requirePositive("ropeDimensionCount", ropeDimensionCount);
        if (headCount % headCountKv != 0) {
            throw new IllegalArgumentException(
                    "headCount " + headCount + " is not a multiple of headCountKv " + headCountKv);
        }
        if (ropeDimensionCount % 2 != 0 || ropeDimensionCount > headSize) {
            throw new IllegalArgumentException("ropeDimensionCount must be even and at most headSize " + headSize
                    + ", got " + ropeDimensionCount);
        }
        requirePositive("ropeFreqBase", ropeFreqBase);
        requirePositive("rmsNormEpsilon", rmsNormEpsilon);
        if (slidingWindow < 0) {
            throw new IllegalArgumentException("slidingWindow must be 0 (none) or positive, got " + slidingWindow);
        }
        if (slidingWindow > 0) {
            requirePositive("slidingWindowPattern", slidingWindowPattern);
            requirePositive("ropeFreqBaseSwa", ropeFreqBaseSwa);
        } else if (slidingWindowPattern != 0 || ropeFreqBaseSwa != 0f) {
            throw new IllegalArgumentException("slidingWindowPattern and ropeFreqBaseSwa must be 0 without a "
                    + "sliding window, got " + slidingWindowPattern + " and " + ropeFreqBaseSwa);
        }
        if (expertCount < 0) {
            throw new IllegalArgumentException("expertCount must be 0 (dense) or positive, got " + expertCount);
        }
        if (expertCount > 0) {
            if (expertUsedCount <= 0 || expertUsedCount > expertCount) {
                throw new IllegalArgumentException("expertUsedCount must be in [1, expertCount " + expertCount
                        + "], got " + expertUsedCount);
            }
            requirePositive("expertFeedForwardLength", expertFeedForwardLength);
        } else if (expertUsedCount != 0 || expertFeedForwardLength != 0) {
            throw new IllegalArgumentException("expertUsedCount and expertFeedForwardLength must be 0 without "
                    + "experts, got " + expertUsedCount + " and " + expertFeedForwardLength);
        }
    }

    /** The width of the query projection: {@code headCount * headSize}. */
    public int queryWidth() {
        return headCount * headSize;
    }

    /** The width of the key and of the value projection: {@code headCountKv * headSize}. */
    public int kvWidth() {
        return headCountKv * headSize;
    }

    /** Whether some layers attend to a sliding window only. */
    public boolean hasSlidingWindow() {
        return slidingWindow > 0;
    }

    /** Whether the feed-forward networks are mixtures of experts. */
    public boolean hasExperts() {
        return expertCount > 0;
    }

    /** A builder that starts from this shape; what it sets replaces this shape's values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void requirePositive(String name, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /**
     * Builds a {@link ModelShape} from a starting one: what is not set keeps the starting value, except that the
     * rotary dimension count follows a new head size unless it is set too, and a new sliding window rotates with a
     * base of {@value #DEFAULT_ROPE_FREQ_BASE_SWA} unless {@link #ropeFreqBaseSwa} is set. Each setter checks its
     * argument at once and names the bad value; setting an option twice is an error.
     */
    public static final class Builder {
        private final ModelShape base;
        private Integer vocabularySize;
        private Integer contextLength;
        private Integer embeddingLength;
        private Integer blockCount;
        private Integer feedForwardLength;
        private Integer headCount;
        private Integer headCountKv;
        private Integer headSize;
        private Integer ropeDimensionCount;
        private Float ropeFreqBase;
        private Float rmsNormEpsilon;
        private Boolean tiedEmbeddings;
        private int[] slidingWindow;
        private Float ropeFreqBaseSwa;
        private int[] experts;

        private Builder(ModelShape base) {
            this.base = base;
        }

        /** Tokens in the vocabulary. */
        public Builder vocabularySize(int size) {
            once(vocabularySize, "vocabularySize");
            vocabularySize = atLeast("vocabularySize", size, 1);
            return this;
        }

        /** The training context written in the metadata. */
        public Builder contextLength(int tokens) {
            once(contextLength, "contextLength");
            contextLength = atLeast("contextLength", tokens, 1);
            return this;
        }

        /** The width of the residual stream. */
        public Builder embeddingLength(int width) {
            once(embeddingLength, "embeddingLength");
            embeddingLength = atLeast("embeddingLength", width, 1);
            return this;
        }

        /** The number of transformer blocks. */
        public Builder blockCount(int blocks) {
            once(blockCount, "blockCount");
            blockCount = atLeast("blockCount", blocks, 1);
            return this;
        }

        /** The hidden width of the dense feed-forward network. */
        public Builder feedForwardLength(int width) {
            once(feedForwardLength, "feedForwardLength");
            feedForwardLength = atLeast("feedForwardLength", width, 1);
            return this;
        }

        /** Query heads. */
        public Builder headCount(int heads) {
            once(headCount, "headCount");
            headCount = atLeast("headCount", heads, 1);
            return this;
        }

        /** Key/value heads; {@code headCount} must be a multiple of it. */
        public Builder headCountKv(int heads) {
            once(headCountKv, "headCountKv");
            headCountKv = atLeast("headCountKv", heads, 1);
            return this;
        }

        /** Values per head (the {@code attention.key_length} and {@code value_length}). */
        public Builder headSize(int size) {
            once(headSize, "headSize");
            headSize = atLeast("headSize", size, 1);
            return this;
        }

        /** Rotated values per head, even and at most the head size. */
        public Builder ropeDimensionCount(int count) {
            once(ropeDimensionCount, "ropeDimensionCount");
            ropeDimensionCount = atLeast("ropeDimensionCount", count, 2);
            return this;
        }

        /** The rotary frequency base (of the global layers, where there is a sliding window). */
        public Builder ropeFreqBase(float base) {
            once(ropeFreqBase, "ropeFreqBase");
            ropeFreqBase = positive("ropeFreqBase", base);
            return this;
        }

        /** The epsilon of the RMS norms. */
        public Builder rmsNormEpsilon(float epsilon) {
            once(rmsNormEpsilon, "rmsNormEpsilon");
            rmsNormEpsilon = positive("rmsNormEpsilon", epsilon);
            return this;
        }

        /** Whether the output projection reuses the token embeddings. */
        public Builder tiedEmbeddings(boolean tied) {
            once(tiedEmbeddings, "tiedEmbeddings");
            tiedEmbeddings = tied;
            return this;
        }

        /**
         * Sliding-window attention: a window of {@code window} tokens in all but the last layer of each run of
         * {@code pattern} layers; {@code window} 0 turns it off.
         */
        public Builder slidingWindow(int window, int pattern) {
            once(slidingWindow, "slidingWindow");
            atLeast("slidingWindow", window, 0);
            if (window > 0) {
                atLeast("slidingWindowPattern", pattern, 1);
            }
            slidingWindow = new int[] {window, window > 0 ? pattern : 0};
            return this;
        }

        /** The rotary frequency base of the sliding-window layers. */
        public Builder ropeFreqBaseSwa(float base) {
            once(ropeFreqBaseSwa, "ropeFreqBaseSwa");
            ropeFreqBaseSwa = positive("ropeFreqBaseSwa", base);
            return this;
        }

        /**
         * Mixture-of-experts feed-forward networks: {@code count} experts of hidden width {@code feedForwardLength},
         * {@code used} of them per token; {@code count} 0 makes them dense.
         */
        public Builder experts(int count, int used, int feedForwardLength) {
            once(experts, "experts");
            atLeast("expertCount", count, 0);
            if (count > 0) {
                if (used < 1 || used > count) {
                    throw new IllegalArgumentException(
                            "expertUsedCount must be in [1, " + count + "], was " + used);
                }
                atLeast("expertFeedForwardLength", feedForwardLength, 1);
                experts = new int[] {count, used, feedForwardLength};
            } else {
                experts = new int[] {0, 0, 0};
            }
            return this;
        }

        /** The shape; checks that involve several values run here. */
        public ModelShape build() {
            int size = or(headSize, base.headSize);
            int rope = ropeDimensionCount != null ? ropeDimensionCount
                    : headSize != null ? size : base.ropeDimensionCount;
            int window = slidingWindow != null ? slidingWindow[0] : base.slidingWindow;
            int pattern = slidingWindow != null ? slidingWindow[1] : base.slidingWindowPattern;
            float baseSwa = ropeFreqBaseSwa != null ? ropeFreqBaseSwa
                    : window == 0 ? 0f : base.ropeFreqBaseSwa != 0f ? base.ropeFreqBaseSwa : DEFAULT_ROPE_FREQ_BASE_SWA;
            int[] moe = experts != null ? experts
                    : new int[] {base.expertCount, base.expertUsedCount, base.expertFeedForwardLength};
            return new ModelShape(or(vocabularySize, base.vocabularySize), or(contextLength, base.contextLength),
                    or(embeddingLength, base.embeddingLength), or(blockCount, base.blockCount),
                    or(feedForwardLength, base.feedForwardLength), or(headCount, base.headCount),
                    or(headCountKv, base.headCountKv), size, rope,
                    or(ropeFreqBase, base.ropeFreqBase), or(rmsNormEpsilon, base.rmsNormEpsilon),
                    or(tiedEmbeddings, base.tiedEmbeddings), window, pattern, baseSwa, moe[0], moe[1], moe[2]);
        }

        private static <T> T or(T value, T fallback) {
            return value != null ? value : fallback;
        }

        private static void once(Object current, String name) {
            if (current != null) {
                String shown = current instanceof int[] values ? Arrays.toString(values) : current.toString();
                throw new IllegalStateException(name + " was already set to " + shown);
            }
        }

        private static int atLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
            }
            return value;
        }

        private static float positive(String name, float value) {
            if (!(value > 0f) || !Float.isFinite(value)) {
                throw new IllegalArgumentException(name + " must be positive and finite, was " + value);
            }
            return value;
        }
    }
}
