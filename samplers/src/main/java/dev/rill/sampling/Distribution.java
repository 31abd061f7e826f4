package dev.rill.sampling;

import java.util.Arrays;

/**
 * A distribution over tokens: the tokens a {@link SamplerChain} kept and their final probabilities, most likely
 * first (the lowest id first among equals). Immutable.
 */
public final class Distribution {
    private final int[] tokens;
    private final float[] probabilities;

    Distribution(int[] tokens, float[] probabilities) {
        this.tokens = tokens;
        this.probabilities = probabilities;
    }

    /** How many tokens have a non-zero probability. */
    public int size() {
        return tokens.length;
    }

    /** The i-th most likely token. */
    public int token(int i) {
        return tokens[i];
    }

    /** The probability of the i-th most likely token. */
    public float probability(int i) {
        return probabilities[i];
    }

    /** The tokens, most likely first (a copy). */
    public int[] tokens() {
        return tokens.clone();
    }

    /** The probabilities, in the order of {@link #tokens()} (a copy). */
    public float[] probabilities() {
        return probabilities.clone();
    }

    /** The probability of {@code token}: 0 if it did not survive. */
    public float probabilityOf(int token) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == token) {
                return probabilities[i];
            }
        }
        return 0f;
    }

    @Override
    public String toString() {
        int shown = Math.min(tokens.length, 8);
        StringBuilder s = new StringBuilder("Distribution[");
        for (int i = 0; i < shown; i++) {
            s.append(i == 0 ? "" : ", ").append(tokens[i]).append('=').append(probabilities[i]);
        }
        return s.append(tokens.length > shown ? ", ... " + (tokens.length - shown) + " more]" : "]").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Distribution d && Arrays.equals(tokens, d.tokens)
                && Arrays.equals(probabilities, d.probabilities);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(probabilities);
    }
}
