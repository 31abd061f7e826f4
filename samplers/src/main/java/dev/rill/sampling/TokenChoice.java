package dev.rill.sampling;

/**
 * The token a sampler picked and its probability under the final distribution the sampler drew from.
 *
 * <p>For a deterministic sampler such as {@link Sampler#greedy()} that distribution is a point mass, so the
 * probability is 1.
 *
 * @param token the chosen token id
 * @param probability its probability under the sampler's final distribution, in [0, 1]
 */
public record TokenChoice(int token, float probability) {
    /** Checks the token id and the probability. */
    public TokenChoice {
        if (token < 0) {
            throw new IllegalArgumentException("token must not be negative, was " + token);
        }
        if (!(probability >= 0f && probability <= 1f)) {
            throw new IllegalArgumentException("probability must be in [0, 1], was " + probability);
        }
    }
}
