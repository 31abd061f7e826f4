package dev.rill.sampling;

/**
 * How the next token is picked: an immutable, shareable configuration that creates the per-sequence state
 * ({@link SequenceSampler}) with a seed.
 *
 * <p>Use {@link #greedy()}, {@link #chain()} (top-k, top-p, min-p, typical-p, penalties, logit bias, temperature
 * in a fixed order, see {@link SamplerChain}) or the single-stage shortcuts. Implement this interface for a
 * sampler of your own; its {@link SequenceSampler} is told every generated token through
 * {@link SequenceSampler#accept}, and may wrap a built-in chain:
 * <pre>{@code
 * Sampler lowestId = seed -> logits -> new TokenChoice(0, 1f);
 * }</pre>
 */
@FunctionalInterface
public interface Sampler {

    /**
     * Creates the state of one sequence. The same seed with the same logits gives the same tokens, whatever
     * else runs beside the sequence.
     */
    SequenceSampler newSequence(long seed);

    /**
     * Always the token with the highest logit (the lowest id among equal ones). The reported probability is 1:
     * greedy selection draws from a point mass on that token, so 1 is its probability under the final
     * distribution (it is not the softmax probability of the logits).
     */
    static Sampler greedy() {
        return GreedySampler.INSTANCE;
    }

    /** A builder for a {@link SamplerChain}, the configurable standard sampler. */
    static SamplerChain.Builder chain() {
        return SamplerChain.builder();
    }

    /** llama.cpp's default settings: top-k 40, top-p 0.95, min-p 0.05, temperature 0.8 (see {@link SamplerChain#defaults()}). */
    static SamplerChain defaults() {
        return SamplerChain.defaults();
    }

    /**
     * Draws from the softmax of the logits divided by {@code temperature}, with a random generator seeded per
     * sequence. Temperature 0 is {@link #greedy()}; below 1 sharpens the distribution, above 1 flattens it.
     *
     * @throws IllegalArgumentException for a negative, NaN or infinite temperature
     */
    static Sampler temperature(double temperature) {
        SamplerChain.checkTemperature(temperature);
        return temperature == 0 ? greedy() : chain().temperature(temperature).build();
    }

    /**
     * Draws at temperature 1 among the {@code k} tokens with the highest logits.
     *
     * @throws IllegalArgumentException for a negative k
     */
    static Sampler topK(int k) {
        return chain().topK(k).build();
    }

    /**
     * Draws at temperature 1 among the most likely tokens whose probabilities add up to at least {@code p}.
     *
     * @throws IllegalArgumentException for p outside (0, 1]
     */
    static Sampler topP(double p) {
        return chain().topP(p).build();
    }

    /**
     * Draws at temperature 1 among the tokens at least {@code p} times as likely as the most likely one.
     *
     * @throws IllegalArgumentException for p outside (0, 1]
     */
    static Sampler minP(double p) {
        return chain().minP(p).build();
    }

    /**
     * Draws at temperature 1 with locally typical sampling (see {@link SamplerChain.Builder#typicalP}).
     *
     * @throws IllegalArgumentException for p outside (0, 1]
     */
    static Sampler typicalP(double p) {
        return chain().typicalP(p).build();
    }
}
