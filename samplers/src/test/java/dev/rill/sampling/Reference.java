package dev.rill.sampling;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The chain written the slow, obvious way, in double precision with full sorts, following llama.cpp b4916's
 * definitions: what the fast implementation must agree with.
 */
final class Reference {
    record Candidate(int id, double logit) {
    }

    private Reference() {
    }

    /** Survivors of top-k, typical, top-p and min-p (each skipped when off), then their probabilities at temperature. */
    static double[] distribution(float[] logits, int topK, double typical, double topP, double minP, double temperature) {
        List<Candidate> c = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] != Float.NEGATIVE_INFINITY) {
                c.add(new Candidate(i, logits[i]));
            }
        }
        Comparator<Candidate> byLogit = Comparator.comparingDouble(Candidate::logit).reversed()
                .thenComparingInt(Candidate::id);
        c.sort(byLogit);
        if (topK > 0 && topK < c.size()) {
            c = new ArrayList<>(c.subList(0, topK));
        }
        if (typical < 1) {
            double[] p = softmax(c, 1);
            double entropy = 0;
            for (double q : p) {
                entropy -= q > 0 ? q * Math.log(q) : 0;
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < c.size(); i++) {
                order.add(i);
            }
            double h = entropy;
            order.sort(Comparator.comparingDouble((Integer i) -> Math.abs(-Math.log(p[i]) - h)));
            double cumulative = 0;
            List<Candidate> kept = new ArrayList<>();
            for (int i : order) {
                kept.add(c.get(i));
                cumulative += p[i];
                if (cumulative > typical) {
                    break;
                }
            }
            c = kept;
            c.sort(byLogit);
        }
        if (topP < 1) {
            double[] p = softmax(c, 1);
            double cumulative = 0;
            int kept = c.size();
            for (int i = 0; i < c.size(); i++) {
                cumulative += p[i];
                if (cumulative >= topP) {
                    kept = i + 1;
                    break;
                }
            }
            c = new ArrayList<>(c.subList(0, kept));
        }
        if (minP > 0) {
            double threshold = c.get(0).logit() + Math.log(minP);
            List<Candidate> kept = new ArrayList<>();
            for (Candidate x : c) {
                if (x.logit() >= threshold) {
                    kept.add(x);
                }
            }
            c = kept;
        }
        double[] result = new double[logits.length];
        if (temperature == 0) {
            result[c.get(0).id()] = 1;
            return result;
        }
        double[] p = softmax(c, temperature);
        for (int i = 0; i < c.size(); i++) {
            result[c.get(i).id()] = p[i];
        }
        return result;
    }

    private static double[] softmax(List<Candidate> c, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (Candidate x : c) {
            max = Math.max(max, x.logit());
        }
        double[] p = new double[c.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((c.get(i).logit() - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
