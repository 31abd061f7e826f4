package dev.rill.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.Objects;

/**
 * LangChain4j's common request parameters plus Rill's own: the sampler's {@code seed} and {@code minP}. Use it
 * as a chat model's default parameters or as a request's; merging keeps Rill's parameters on either side.
 *
 * <p>How the common parameters map onto Rill: no sampling parameter at all means greedy decoding; otherwise
 * Rill's standard sampler chain runs with the ones set (frequency and presence penalties over the last 64
 * generated tokens, top-k, top-p, min-p, then temperature, which defaults to 1 and picks the most likely token
 * at 0). {@code maxOutputTokens} and {@code stopSequences} map to the request's limits; stop sequences never
 * appear in the text.
 */
public final class RillChatRequestParameters extends DefaultChatRequestParameters {
    private final Long seed;
    private final Double minP;

    private RillChatRequestParameters(Builder builder) {
        super(builder);
        this.seed = builder.seed;
        this.minP = builder.minP;
    }

    /** The sampler's seed, or null for a random one (the response's metadata reports the one used). */
    public Long seed() {
        return seed;
    }

    /** Min-p: keep tokens at least this times as likely as the most likely one; null for none. */
    public Double minP() {
        return minP;
    }

    @Override
    public RillChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public RillChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RillChatRequestParameters other && super.equals(other) && Objects.equals(seed, other.seed)
                && Objects.equals(minP, other.minP);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), seed, minP);
    }

    @Override
    public String toString() {
        return "RillChatRequestParameters{" + super.toString() + ", seed=" + seed + ", minP=" + minP + '}';
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link RillChatRequestParameters}; the common setters are LangChain4j's. */
    public static final class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private Long seed;
        private Double minP;

        private Builder() {
        }

        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof RillChatRequestParameters rill) {
                seed(rill.seed != null ? rill.seed : seed);
                minP(rill.minP != null ? rill.minP : minP);
            }
            return this;
        }

        /** The sampler's seed; the same seed, prompt and parameters give the same reply. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Min-p, in (0, 1].
         *
         * @throws IllegalArgumentException for a value outside (0, 1]
         */
        public Builder minP(Double minP) {
            if (minP != null && !(minP > 0 && minP <= 1)) {
                throw new IllegalArgumentException("minP must be in (0, 1], was " + minP);
            }
            this.minP = minP;
            return this;
        }

        @Override
        public RillChatRequestParameters build() {
            return new RillChatRequestParameters(this);
        }
    }
}
