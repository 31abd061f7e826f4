package dev.rill.internal.engine;

import dev.rill.TokenAlternative;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** The {@code n} most likely tokens of a logits row under its softmax, most likely first. */
final class Alternatives {
    private Alternatives() {
    }

    static List<TokenAlternative> top(float[] logits, int size, int n, IntFunction<byte[]> piece) {
        int k = Math.min(n, size);
        int[] ids = new int[k];
        float[] values = new float[k];
        int count = 0;
        float max = Float.NEGATIVE_INFINITY;
        // Keep the k best in a small array sorted descending; most tokens fail the first comparison.
        for (int t = 0; t < size; t++) {
            float v = logits[t];
            if (v > max) {
                max = v;
            }
            if (count < k || v > values[count - 1]) {
                int at = count < k ? count++ : count - 1;
                while (at > 0 && values[at - 1] < v) {
                    values[at] = values[at - 1];
                    ids[at] = ids[at - 1];
                    at--;
                }
                values[at] = v;
                ids[at] = t;
            }
        }
        double sum = 0;
        for (int t = 0; t < size; t++) {
            sum += Math.exp(logits[t] - max);
        }
        List<TokenAlternative> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float p = (float) (Math.exp(values[i] - max) / sum);
            result.add(new TokenAlternative(ids[i], new String(piece.apply(ids[i]), StandardCharsets.UTF_8), p, values[i]));
        }
        return result;
    }
}
