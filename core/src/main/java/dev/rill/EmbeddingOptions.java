package dev.rill;

import java.util.Objects;
import java.util.Optional;

/**
 * How an {@link Embedder} embeds. Immutable; build with {@link #builder()}. Each option may be set once.
 *
 * <table>
 *   <caption>Options and defaults</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>pooling</td><td>the model's ({@code <arch>.pooling_type}), else {@link Pooling#MEAN}</td>
 *       <td>how a text's token vectors become one; {@link Pooling#NONE} keeps one per token</td></tr>
 *   <tr><td>normalize</td><td>false</td><td>scale each vector to unit length (L2)</td></tr>
 *   <tr><td>batchSize</td><td>512, at most the training context</td><td>most tokens in one evaluation; also
 *       the longest text</td></tr>
 *   <tr><td>truncate</td><td>false</td><td>cut a longer text to {@code batchSize} tokens instead of throwing
 *       {@link TextTooLongException}</td></tr>
 * </table>
 */
public final class EmbeddingOptions {
    private final Pooling pooling;
    private final boolean normalize;
    private final int batchSize;
    private final boolean truncate;

    private EmbeddingOptions(Builder b) {
        this.pooling = b.pooling;
        this.normalize = b.normalize != null && b.normalize;
        this.batchSize = b.batchSize == null ? 0 : b.batchSize;
        this.truncate = b.truncate != null && b.truncate;
    }

    /** The defaults: the model's pooling, no normalisation, batches of 512 tokens, long texts refused. */
    public static EmbeddingOptions defaults() {
        return builder().build();
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /** The pooling asked for; empty means the model's own. */
    public Optional<Pooling> pooling() {
        return Optional.ofNullable(pooling);
    }

    /** Whether vectors are scaled to unit length. */
    public boolean normalize() {
        return normalize;
    }

    /** Tokens in one evaluation; 0 means the default (512, at most the training context). */
    public int batchSize() {
        return batchSize;
    }

    /** Whether texts longer than the batch are cut rather than refused. */
    public boolean truncate() {
        return truncate;
    }

    @Override
    public String toString() {
        return "EmbeddingOptions[pooling=" + (pooling == null ? "model" : pooling) + ", normalize=" + normalize
                + ", batchSize=" + (batchSize == 0 ? "default" : batchSize) + ", truncate=" + truncate + "]";
    }

    /** Builds {@link EmbeddingOptions}; every setter checks its argument at once, and each may be called once. */
    public static final class Builder {
        private Pooling pooling;
        private Boolean normalize;
        private Integer batchSize;
        private Boolean truncate;

        private Builder() {
        }

        /** The pooling, overriding the model's. */
        public Builder pooling(Pooling pooling) {
            once(this.pooling, "pooling");
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /** Whether to scale each vector to unit length (default false). */
        public Builder normalize(boolean normalize) {
            once(this.normalize, "normalize");
            this.normalize = normalize;
            return this;
        }

        /** Most tokens in one evaluation, and so the longest text, 1 to 65,536 (default 512). */
        public Builder batchSize(int tokens) {
            once(batchSize, "batchSize");
            if (tokens < 1 || tokens > 1 << 16) {
                throw new IllegalArgumentException("batchSize must be between 1 and 65536, was " + tokens);
            }
            this.batchSize = tokens;
            return this;
        }

        /** Whether to cut texts longer than the batch to its size instead of refusing them (default false). */
        public Builder truncate(boolean truncate) {
            once(this.truncate, "truncate");
            this.truncate = truncate;
            return this;
        }

        /** The options. */
        public EmbeddingOptions build() {
            return new EmbeddingOptions(this);
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " is already set to " + current);
            }
        }
    }
}
