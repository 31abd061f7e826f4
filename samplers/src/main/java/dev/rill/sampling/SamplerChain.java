package dev.rill.sampling;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The standard sampler: logit biases and penalties, then truncations, then a temperature and a seeded random
 * pick, always in this order whatever order the builder's methods were called in:
 *
 * <ol>
 *   <li>{@linkplain Builder#logitBias logit bias}: add a fixed amount to chosen tokens' logits;</li>
 *   <li>{@linkplain Builder#penalties penalties} over the sequence's last N generated tokens;</li>
 *   <li>{@linkplain Builder#topK top-k}: keep the k highest logits;</li>
 *   <li>{@linkplain Builder#typicalP typical-p}: keep the tokens whose surprise is closest to the entropy;</li>
 *   <li>{@linkplain Builder#topP top-p} (nucleus): keep the most likely tokens until their probability reaches p;</li>
 *   <li>{@linkplain Builder#minP min-p}: keep tokens at least p times as likely as the most likely one;</li>
 *   <li>{@linkplain Builder#temperature temperature}, then a random pick from the softmax of the survivors
 *       (or the most likely survivor at temperature 0).</li>
 * </ol>
 *
 * <p>This is llama.cpp b4916's default order (without its DRY and XTC samplers), so settings carried over from
 * llama.cpp mean the same thing. Truncations look at the distribution before temperature: temperature only
 * reshapes the probabilities of the tokens that survived, it never changes which tokens survive.
 *
 * <p>A chain is immutable and may be shared by any number of sequences and threads; each
 * {@link #newSequence(long) sequence} has its own random generator and penalty window, so a seed gives the
 * same tokens for the same logits whatever runs beside the sequence.
 *
 * <pre>{@code
 * Sampler sampler = Sampler.chain().topK(40).topP(0.95).minP(0.05).temperature(0.8).build();
 * }</pre>
 */
public final class SamplerChain implements Sampler {
    final int[] biasTokens;
    final float[] biasValues;
    final int penaltyLastN;
    final float repeatPenalty;
    final float frequencyPenalty;
    final float presencePenalty;
    final int topK;
    final float typicalP;
    final float topP;
    final float minP;
    final float temperature;

    private SamplerChain(Builder b) {
        this.biasTokens = b.biases.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.biasValues = new float[biasTokens.length];
        for (int i = 0; i < biasTokens.length; i++) {
            biasValues[i] = b.biases.get(biasTokens[i]);
        }
        this.penaltyLastN = b.penaltyLastN;
        this.repeatPenalty = b.repeatPenalty;
        this.frequencyPenalty = b.frequencyPenalty;
        this.presencePenalty = b.presencePenalty;
        this.topK = b.topK;
        this.typicalP = b.typicalP;
        this.topP = b.topP;
        this.minP = b.minP;
        this.temperature = b.temperature;
    }

    /** A builder with no stage set: a plain random pick at temperature 1. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * llama.cpp's default settings: top-k 40, top-p 0.95, min-p 0.05, temperature 0.8, no penalties.
     */
    public static SamplerChain defaults() {
        return builder().topK(40).topP(0.95).minP(0.05).temperature(0.8).build();
    }

    @Override
    public SequenceSampler newSequence(long seed) {
        return new ChainSequence(this, seed);
    }

    /**
     * The distribution this chain would draw the next token from, for a fresh sequence (no penalty history):
     * the surviving tokens with their final probabilities, most likely first. At temperature 0 it is the
     * single most likely survivor with probability 1. {@code logits} is left untouched.
     *
     * <p>For inspection and tests; it allocates, unlike {@link SequenceSampler#choose}.
     *
     * @throws IllegalArgumentException for a NaN or positive infinite logit
     * @throws IllegalStateException when every logit is negative infinity
     */
    public Distribution distribution(Logits logits) {
        return distribution(logits, Kernels.current());
    }

    Distribution distribution(Logits logits, Kernels kernels) {
        Logits copy = Logits.wrap(Arrays.copyOf(logits.array(), logits.size()));
        return new ChainSequence(this, 0, kernels).distribution(copy);
    }

    /**
     * This chain's settings, for code that passes them on instead of sampling itself (such as a client of a
     * remote server). Neutral values mean a stage is off: top-k 0, typical-p and top-p 1, min-p 0, penalty
     * window 0.
     */
    public Settings settings() {
        Map<Integer, Float> biases = new TreeMap<>();
        for (int i = 0; i < biasTokens.length; i++) {
            biases.put(biasTokens[i], biasValues[i]);
        }
        return new Settings(Collections.unmodifiableMap(biases), penaltyLastN, repeatPenalty, frequencyPenalty,
                presencePenalty, topK, typicalP, topP, minP, temperature);
    }

    /**
     * The settings of a {@link SamplerChain}, as its builder took them.
     *
     * @param logitBiases the bias of each biased token, by token id
     * @param penaltyLastN the penalty window in generated tokens, 0 when penalties are off
     * @param repeatPenalty the repeat penalty, 1 when neutral
     * @param frequencyPenalty the frequency penalty, 0 when neutral
     * @param presencePenalty the presence penalty, 0 when neutral
     * @param topK top-k, 0 when off
     * @param typicalP typical-p, 1 when off
     * @param topP top-p, 1 when off
     * @param minP min-p, 0 when off
     * @param temperature the temperature, 0 for the most likely survivor
     */
    public record Settings(Map<Integer, Float> logitBiases, int penaltyLastN, float repeatPenalty,
                           float frequencyPenalty, float presencePenalty, int topK, float typicalP, float topP,
                           float minP, float temperature) {
    }

    boolean hasPenalties() {
        return penaltyLastN > 0 && (repeatPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Sampler.chain()");
        for (int i = 0; i < biasTokens.length; i++) {
            s.append(".logitBias(").append(biasTokens[i]).append(", ").append(biasValues[i]).append(')');
        }
        if (penaltyLastN > 0) {
            s.append(".penalties(").append(penaltyLastN).append(", ").append(repeatPenalty).append(", ")
                    .append(frequencyPenalty).append(", ").append(presencePenalty).append(')');
        }
        if (topK > 0) {
            s.append(".topK(").append(topK).append(')');
        }
        if (typicalP < 1f) {
            s.append(".typicalP(").append(typicalP).append(')');
        }
        if (topP < 1f) {
            s.append(".topP(").append(topP).append(')');
        }
        if (minP > 0f) {
            s.append(".minP(").append(minP).append(')');
        }
        return s.append(".temperature(").append(temperature).append(").build()").toString();
    }

    /**
     * Collects a chain's settings, checking each as it is set. Calling a setter again replaces the earlier
     * value; the order of the calls does not matter (see {@link SamplerChain} for the order of the stages).
     */
    public static final class Builder {
        private final Map<Integer, Float> biases = new TreeMap<>();
        private int penaltyLastN;
        private float repeatPenalty = 1f;
        private float frequencyPenalty;
        private float presencePenalty;
        private int topK;
        private float typicalP = 1f;
        private float topP = 1f;
        private float minP;
        private float temperature = 1f;

        private Builder() {
        }

        /**
         * Adds {@code bias} to the logit of {@code token} before anything else; negative infinity bans the token.
         *
         * @throws IllegalArgumentException for a negative token, or a NaN or positive infinite bias
         */
        public Builder logitBias(int token, double bias) {
            if (token < 0) {
                throw new IllegalArgumentException("logitBias token must be >= 0, was " + token);
            }
            if (Double.isNaN(bias) || bias == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logitBias bias must be finite or -Infinity, was " + bias
                        + " (for token " + token + ")");
            }
            biases.put(token, (float) bias);
            return this;
        }

        /**
         * Penalizes the tokens among the sequence's last {@code lastN} generated tokens (the prompt does not
         * count): a token seen c times gets its logit divided by {@code repeat} when positive (multiplied when
         * not), then lowered by {@code c * frequency + presence}. {@code lastN} 0 turns penalties off; repeat 1,
         * frequency 0 and presence 0 are neutral.
         *
         * @throws IllegalArgumentException for a negative {@code lastN}, a {@code repeat} that is not finite and
         *     positive, or a frequency or presence that is not finite
         */
        public Builder penalties(int lastN, double repeat, double frequency, double presence) {
            if (lastN < 0) {
                throw new IllegalArgumentException("penalty lastN must be >= 0, was " + lastN);
            }
            if (!(repeat > 0) || Double.isInfinite(repeat)) {
                throw new IllegalArgumentException("repeat penalty must be a finite number > 0, was " + repeat);
            }
            requireFinite("frequency penalty", frequency);
            requireFinite("presence penalty", presence);
            this.penaltyLastN = lastN;
            this.repeatPenalty = (float) repeat;
            this.frequencyPenalty = (float) frequency;
            this.presencePenalty = (float) presence;
            return this;
        }

        /**
         * Keeps the {@code k} tokens with the highest logits (the lowest ids among equals); 0 turns it off.
         *
         * @throws IllegalArgumentException for a negative k
         */
        public Builder topK(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("topK must be >= 0 (0 turns it off), was " + k);
            }
            this.topK = k;
            return this;
        }

        /**
         * Locally typical sampling: ranks tokens by how far their surprise ({@code -ln p}) is from the
         * distribution's entropy and keeps the closest until their probability exceeds p; 1 turns it off.
         *
         * @throws IllegalArgumentException for p outside (0, 1]
         */
        public Builder typicalP(double p) {
            this.typicalP = probability("typicalP", p);
            return this;
        }

        /**
         * Nucleus sampling: keeps the most likely tokens until their probability reaches p; 1 turns it off.
         *
         * @throws IllegalArgumentException for p outside (0, 1]
         */
        public Builder topP(double p) {
            this.topP = probability("topP", p);
            return this;
        }

        /**
         * Keeps the tokens at least p times as likely as the most likely one.
         *
         * @throws IllegalArgumentException for p outside (0, 1]
         */
        public Builder minP(double p) {
            this.minP = probability("minP", p);
            return this;
        }

        /**
         * Divides the survivors' logits by {@code temperature} before the random pick; 0 picks the most likely
         * survivor instead. The default is 1.
         *
         * @throws IllegalArgumentException for a negative, NaN or infinite temperature
         */
        public Builder temperature(double temperature) {
            this.temperature = checkTemperature(temperature);
            return this;
        }

        /** The chain; the builder may be changed and built again. */
        public SamplerChain build() {
            return new SamplerChain(this);
        }

        private static float probability(String name, double p) {
            if (!(p > 0 && p <= 1)) {
                throw new IllegalArgumentException(name + " must be in (0, 1], was " + p);
            }
            return (float) p;
        }

        private static void requireFinite(String name, double value) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(name + " must be a finite number, was " + value);
            }
        }
    }

    static float checkTemperature(double temperature) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, was " + temperature);
        }
        return (float) temperature;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SamplerChain c && toString().equals(c.toString());
    }

    @Override
    public int hashCode() {
        return Objects.hash(toString());
    }
}
