package dev.rill.sampling;

import java.util.Arrays;

/**
 * The last {@code n} tokens of one sequence and the repetition, frequency and presence penalties they bring,
 * applied as llama.cpp b4916 applies them: a token seen {@code c > 0} times in the window has its logit divided
 * by the repetition penalty if positive (multiplied if not), then lowered by {@code c * frequency + presence}.
 */
final class PenaltyWindow {
    private final float repeat;
    private final float frequency;
    private final float presence;
    private final int[] ring;
    private final int[] sorted;
    private int count;
    private int next;

    PenaltyWindow(int lastN, float repeat, float frequency, float presence) {
        this.repeat = repeat;
        this.frequency = frequency;
        this.presence = presence;
        this.ring = new int[lastN];
        this.sorted = new int[lastN];
    }

    void accept(int token) {
        ring[next] = token;
        next = next + 1 == ring.length ? 0 : next + 1;
        count = Math.min(count + 1, ring.length);
    }

    /** Penalizes {@code logits[0, size)}; cost O(n log n) in the window, none in the vocabulary. */
    void apply(float[] logits, int size) {
        if (count == 0) {
            return;
        }
        System.arraycopy(ring, 0, sorted, 0, count);
        Arrays.sort(sorted, 0, count);
        int i = 0;
        while (i < count) {
            int token = sorted[i];
            int j = i + 1;
            while (j < count && sorted[j] == token) {
                j++;
            }
            if (token < size) {
                float logit = logits[token];
                logit = logit <= 0 ? logit * repeat : logit / repeat;
                logits[token] = logit - ((j - i) * frequency + presence);
            }
            i = j;
        }
    }
}
