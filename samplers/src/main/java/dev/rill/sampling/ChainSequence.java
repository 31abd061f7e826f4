package dev.rill.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One sequence's run of a {@link SamplerChain}: its random generator, its penalty window and scratch arrays
 * sized once to the vocabulary, so that {@link #choose} allocates nothing but the {@link TokenChoice}.
 *
 * <p>The candidates are either <em>dense</em> (every token, read straight from the logits buffer, id = index)
 * or a list of ids and logits. Truncations never sort the whole vocabulary: top-k keeps a heap of k; top-p and
 * typical-p over many candidates narrow the cut down to a bracket of a few dozen candidates by the mass below a
 * few thresholds, and sort only that bracket. The whole-vocabulary loops are {@link Kernels}.
 */
final class ChainSequence implements SequenceSampler {
    /** Lists up to this size are sorted outright by top-p and typical-p. */
    private static final int SORT_BELOW = 2048;
    /** The bracket of a mass selection is sorted once it holds this many candidates or fewer. */
    private static final int BRACKET = 48;
    /** Thresholds per round of a mass selection (the last one is the bracket's upper end). */
    private static final int THRESHOLDS = 8;
    private static final int MAX_ROUNDS = 12;

    private final SamplerChain chain;
    private final Kernels kernels;
    private final SplittableRandom random;
    private final PenaltyWindow penalties;
    private final boolean plainGreedy;
    private final boolean selects;

    private int[] ids = new int[0];
    private float[] vals = new float[0];
    private float[] weights = new float[0];
    private int[] spareIds = new int[0];
    private float[] spareVals = new float[0];
    private float[] spareWeights = new float[0];
    private long[] keys = new long[0];
    private double[] blockSums = new double[1];
    // mass selection (top-p, typical-p over many candidates): sort keys, and the bracket's candidates
    private float[] order = new float[0];
    private int[] bracketPos = new int[0];
    private float[] bracketKey = new float[0];
    private float[] bracketWeight = new float[0];
    private final float[] thresholds = new float[THRESHOLDS];
    private final double[] masses = new double[THRESHOLDS];
    private final float[] range = new float[2];
    /** Whether the last {@link #select} left its survivors in ascending order of their keys. */
    private boolean lastSelectionSorted;

    /** The logits buffer while the candidates are dense; null between calls. */
    private float[] source;
    private boolean dense;
    private boolean sorted;
    /** Whether {@code weights[0, n)} are the candidates' e^(logit - top), so a draw at temperature 1 reuses them. */
    private boolean weightsValid;
    private int n;
    /** The largest candidate logit. */
    private float top;

    ChainSequence(SamplerChain chain, long seed) {
        this(chain, seed, Kernels.current());
    }

    ChainSequence(SamplerChain chain, long seed, Kernels kernels) {
        this.chain = chain;
        this.kernels = kernels;
        this.random = chain.temperature > 0 ? new SplittableRandom(seed) : null;
        this.penalties = chain.hasPenalties() ? new PenaltyWindow(chain.penaltyLastN, chain.repeatPenalty,
                chain.frequencyPenalty, chain.presencePenalty) : null;
        // Top-k, top-p and min-p always keep the most likely token; typical-p may not.
        this.plainGreedy = chain.temperature == 0 && chain.typicalP == 1f;
        this.selects = chain.topP < 1f || chain.typicalP < 1f;
    }

    @Override
    public TokenChoice choose(Logits logits) {
        float[] l = logits.array();
        int size = logits.size();
        prepare(l, size);
        if (plainGreedy) {
            return new TokenChoice(kernels.argmax(l, size), 1f);
        }
        try {
            filter(l, size);
            return pick();
        } finally {
            source = null;
        }
    }

    @Override
    public void accept(int token) {
        if (penalties != null) {
            penalties.accept(token);
        }
    }

    Distribution distribution(Logits logits) {
        float[] l = logits.array();
        int size = logits.size();
        prepare(l, size);
        filter(l, size);
        float[] v = dense ? source : vals;
        if (chain.temperature == 0) {
            int best = argmaxCandidate(v);
            return new Distribution(new int[] {id(best)}, new float[] {1f});
        }
        double z = kernels.expBlocks(v, n, top, 1f / chain.temperature, weights, blockSums);
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] > 0) {
                keys[kept++] = sortKey(weights[i], i);
            }
        }
        Arrays.sort(keys, 0, kept);
        int[] tokens = new int[kept];
        float[] probabilities = new float[kept];
        for (int j = 0; j < kept; j++) {
            int i = (int) keys[j];
            tokens[j] = id(i);
            probabilities[j] = (float) (weights[i] / z);
        }
        source = null;
        return new Distribution(tokens, probabilities);
    }

    private void prepare(float[] l, int size) {
        int[] biasTokens = chain.biasTokens;
        for (int i = 0; i < biasTokens.length; i++) {
            int token = biasTokens[i];
            if (token >= size) {
                throw new IllegalArgumentException("logitBias names token " + token + " but the vocabulary has "
                        + size + " tokens");
            }
            l[token] += chain.biasValues[i];
        }
        if (penalties != null) {
            penalties.apply(l, size);
        }
    }

    private void filter(float[] l, int size) {
        weightsValid = false;
        int k = chain.topK;
        if (k > 0 && k < size) {
            topK(l, size, k);
        } else {
            ensureCapacity(size);
            top = kernels.max(l, size);
            source = l;
            dense = true;
            sorted = false;
            n = size;
        }
        if (chain.typicalP < 1f) {
            typical(chain.typicalP);
        }
        if (chain.topP < 1f) {
            topP(chain.topP);
        }
        if (chain.minP > 0f) {
            minP(chain.minP);
        }
    }

    private void ensureCapacity(int size) {
        if (ids.length < size) {
            ids = new int[size];
            vals = new float[size];
            weights = new float[size];
            spareIds = new int[size];
            spareVals = new float[size];
            spareWeights = new float[size];
            keys = new long[size];
            blockSums = new double[size / Kernels.BLOCK + 1];
            if (selects) {
                order = new float[size];
                bracketPos = new int[size];
                bracketKey = new float[size];
                bracketWeight = new float[size];
            }
        }
    }

    private int id(int i) {
        return dense ? i : ids[i];
    }

    private void swapSpare() {
        int[] i = ids;
        ids = spareIds;
        spareIds = i;
        float[] v = vals;
        vals = spareVals;
        spareVals = v;
        float[] w = weights;
        weights = spareWeights;
        spareWeights = w;
    }

    // ---- top-k: a min-heap of the k best seen so far, then heapsort into descending order ----

    private void topK(float[] l, int size, int k) {
        ensureCapacity(k);
        int[] ids = this.ids;
        float[] vals = this.vals;
        for (int i = 0; i < k; i++) {
            float v = l[i];
            if (v != v || v == Float.POSITIVE_INFINITY) {
                throw Scan.invalidLogit(i, v);
            }
            ids[i] = i;
            vals[i] = v;
        }
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(ids, vals, i, k);
        }
        float min = vals[0];
        // Almost every logit is at most the heap's minimum; the kernel skips those (an equal value loses to the
        // lower id already held) and stops at the next larger one, or NaN.
        for (int i = kernels.nextAbove(l, k, size, min); i < size; i = kernels.nextAbove(l, i + 1, size, min)) {
            float v = l[i];
            if (v != v || v == Float.POSITIVE_INFINITY) {
                throw Scan.invalidLogit(i, v);
            }
            ids[0] = i;
            vals[0] = v;
            siftDown(ids, vals, 0, k);
            min = vals[0];
        }
        for (int end = k - 1; end > 0; end--) {
            int id = ids[0];
            float v = vals[0];
            ids[0] = ids[end];
            vals[0] = vals[end];
            ids[end] = id;
            vals[end] = v;
            siftDown(ids, vals, 0, end);
        }
        int kept = k;
        while (kept > 0 && vals[kept - 1] == Float.NEGATIVE_INFINITY) {
            kept--;
        }
        if (kept == 0) {
            throw Scan.noChoice(size);
        }
        n = kept;
        top = vals[0];
        dense = false;
        sorted = true;
    }

    /** Min-heap order: the smaller logit, or among equal logits the higher id, is nearer the root. */
    private static void siftDown(int[] ids, float[] vals, int i, int size) {
        int id = ids[i];
        float v = vals[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            int right = child + 1;
            if (right < size && below(vals[right], ids[right], vals[child], ids[child])) {
                child = right;
            }
            if (!below(vals[child], ids[child], v, id)) {
                break;
            }
            ids[i] = ids[child];
            vals[i] = vals[child];
            i = child;
        }
        ids[i] = id;
        vals[i] = v;
    }

    private static boolean below(float va, int ia, float vb, int ib) {
        return va < vb || (va == vb && ia > ib);
    }

    // ---- typical-p ----

    /**
     * Keeps the tokens whose surprise {@code -ln q} is closest to the entropy H until their mass exceeds p. With
     * {@code q = e^(v - top) / z}, {@code -ln q - H = c - v} where {@code c = top + sum(w (v - top)) / z} is the
     * mean logit under the softmax: the order is the distance of the logit from c, no logarithm per token.
     */
    private void typical(float p) {
        float[] v = dense ? source : vals;
        double z = kernels.expBlocks(v, n, top, 1f, weights, blockSums);
        double shift = kernels.weightedShift(weights, v, n, top);
        float c = (float) (top + shift / z);
        kernels.absDiff(v, n, c, order);
        select(v, p * z, true);
        float oldTop = top;
        top = kernels.max(vals, n);
        weightsValid = top == oldTop;
        sorted = false;
    }

    // ---- top-p ----

    private void topP(float p) {
        float[] v = dense ? source : vals;
        double z = kernels.expBlocks(v, n, top, 1f, weights, blockSums);
        double target = p * z;
        if (sorted) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += weights[i];
                if (cumulative >= target) {
                    n = i + 1;
                    break;
                }
            }
            weightsValid = true;
            return;
        }
        kernels.negate(v, n, order);
        select(v, target, false);
        sorted = lastSelectionSorted;
    }

    // ---- choosing the candidates of least key until their weight reaches a target (top-p, typical-p) ----

    /**
     * Keeps the candidates in ascending order of {@code order[i]} (then of position) up to the first whose
     * cumulative weight reaches {@code target} ({@code > target} when strict, else {@code >=}); keeps all when
     * none does. The weights are in {@code weights}, the logits in {@code v}. Leaves a list (ids, vals, weights).
     */
    private void select(float[] v, double target, boolean strict) {
        int[] inIds = dense ? null : ids;
        if (n <= SORT_BELOW) {
            sortSelect(v, inIds, target, strict);
            return;
        }
        if (!bracketSelect(v, inIds, target, strict)) {
            sortSelect(v, inIds, target, strict);
        }
    }

    private void sortSelect(float[] v, int[] inIds, double target, boolean strict) {
        float[] key = order;
        for (int i = 0; i < n; i++) {
            keys[i] = ascendingKey(key[i], i);
        }
        Arrays.sort(keys, 0, n);
        double cumulative = 0;
        int kept = n;
        for (int j = 0; j < n; j++) {
            cumulative += weights[(int) keys[j]];
            if (strict ? cumulative > target : cumulative >= target) {
                kept = j + 1;
                break;
            }
        }
        for (int j = 0; j < kept; j++) {
            int i = (int) keys[j];
            spareIds[j] = inIds == null ? i : inIds[i];
            spareVals[j] = v[i];
            spareWeights[j] = weights[i];
        }
        swapSpare();
        n = kept;
        dense = false;
        source = null;
        weightsValid = true;
        lastSelectionSorted = true;
    }

    /**
     * Narrows the cut down with {@link Kernels#massesBelow}: each round splits the bracket of keys that holds it
     * into {@link #THRESHOLDS} equal parts, keeps the part where the (approximate, float) mass crosses the
     * target, and compacts its candidates; the last few are sorted. Then the exact cut: the canonical sum of
     * everything below the bracket plus the sorted bracket in order. False when the approximate masses put the
     * bracket on the wrong side of the exact cut (rounding; the caller then sorts everything).
     */
    private boolean bracketSelect(float[] v, int[] inIds, double target, boolean strict) {
        kernels.keyRange(order, n, range);
        float lo = range[0];
        float end = Math.nextUp(range[1]);
        float hi = end;
        int m = n;
        boolean full = true;
        double before = 0;
        for (int round = 0; round < MAX_ROUNDS && m > BRACKET; round++) {
            float width = hi - lo;
            int count = 0;
            for (int j = 1; j < THRESHOLDS; j++) {
                float t = lo + width * j / THRESHOLDS;
                if (t > lo && t < hi && (count == 0 || t > thresholds[count - 1])) {
                    thresholds[count++] = t;
                }
            }
            if (count == 0) {
                break; // the bracket holds a single key value
            }
            thresholds[count++] = hi;
            kernels.massesBelow(full ? order : bracketKey, full ? weights : bracketWeight, m, thresholds, count,
                    masses);
            int j = 0;
            while (j < count - 1 && !(strict ? before + masses[j] > target : before + masses[j] >= target)) {
                j++;
            }
            float newLo = j == 0 ? lo : thresholds[j - 1];
            float newHi = thresholds[j];
            before += j == 0 ? 0 : masses[j - 1];
            m = kernels.compressRange(full ? order : bracketKey, full ? weights : bracketWeight, full ? null : bracketPos,
                    m, newLo, newHi, bracketPos, bracketKey, bracketWeight);
            full = false;
            lo = newLo;
            hi = newHi;
        }
        if (full) {
            m = kernels.compressRange(order, weights, null, n, lo, hi, bracketPos, bracketKey, bracketWeight);
        }
        for (int c = 0; c < m; c++) {
            keys[c] = ascendingKey(bracketKey[c], bracketPos[c]);
        }
        Arrays.sort(keys, 0, m);
        // The exact cut, from the canonical sum of everything below the bracket.
        int kept = kernels.compressBelow(order, lo, n, inIds, v, weights, spareIds, spareVals, spareWeights);
        double cumulative = kernels.sumBlocks(spareWeights, kept, blockSums);
        if (strict ? cumulative > target : cumulative >= target) {
            return false;
        }
        int cut = -1;
        for (int j = 0; j < m; j++) {
            cumulative += weights[(int) keys[j]];
            if (strict ? cumulative > target : cumulative >= target) {
                cut = j;
                break;
            }
        }
        if (cut < 0) {
            if (hi < end) {
                return false;
            }
            cut = m - 1; // nothing reaches the target: keep every finite candidate
        }
        for (int j = 0; j <= cut; j++) {
            int i = (int) keys[j];
            spareIds[kept] = inIds == null ? i : inIds[i];
            spareVals[kept] = v[i];
            spareWeights[kept] = weights[i];
            kept++;
        }
        swapSpare();
        n = kept;
        dense = false;
        source = null;
        weightsValid = true;
        lastSelectionSorted = false;
        return true;
    }

    /** Ascending order of the key is ascending {@code key}, then ascending {@code index}. */
    private static long ascendingKey(float key, int index) {
        int bits = Float.floatToRawIntBits(key);
        int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ascending << 32) | index;
    }

    /** Ascending order of the key is descending order of {@code value}, then ascending {@code index}. */
    private static long sortKey(float value, int index) {
        int bits = Float.floatToRawIntBits(value);
        int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ascending << 32) | index;
    }

    // ---- min-p ----

    private void minP(float p) {
        float threshold = top + (float) Math.log(p);
        if (sorted) {
            int i = 1;
            while (i < n && vals[i] >= threshold) {
                i++;
            }
            n = i;
            return;
        }
        if (dense) {
            n = kernels.selectAtLeast(source, n, threshold, ids, vals);
            dense = false;
            source = null;
            return;
        }
        int kept = 0;
        for (int i = 0; i < n; i++) {
            float value = vals[i];
            if (value >= threshold) {
                ids[kept] = ids[i];
                vals[kept] = value;
                weights[kept] = weights[i];
                kept++;
            }
        }
        n = kept;
    }

    // ---- the pick ----

    /**
     * A draw from the softmax at the chain's temperature: the canonical sum of the weights by blocks, then the
     * block where the cumulative weight passes the uniform target, then the token within that block. Dense
     * candidates are never written to memory: the one block is recomputed.
     */
    private TokenChoice pick() {
        float[] v = dense ? source : vals;
        if (chain.temperature == 0) {
            return new TokenChoice(id(argmaxCandidate(v)), 1f);
        }
        if (n == 1) {
            random.nextDouble(); // one draw per token whatever survived, so later draws do not shift
            return new TokenChoice(id(0), 1f);
        }
        float scale = 1f / chain.temperature;
        boolean stored = !dense;
        double z;
        if (!dense && weightsValid && scale == 1f) {
            z = kernels.sumBlocks(weights, n, blockSums);
        } else {
            z = kernels.expBlocks(v, n, top, scale, dense ? null : weights, blockSums);
        }
        double target = random.nextDouble() * z;
        int blocks = (n + Kernels.BLOCK - 1) / Kernels.BLOCK;
        double cumulative = 0;
        int block = -1;
        double beforeBlock = 0;
        for (int b = 0; b < blocks; b++) {
            double s = blockSums[b];
            if (s > 0) {
                block = b;
                beforeBlock = cumulative;
                if (cumulative + s > target) {
                    break;
                }
                cumulative += s;
            }
        }
        cumulative = beforeBlock;
        int chosen = -1;
        float chosenWeight = 0;
        int from = block * Kernels.BLOCK;
        int to = Math.min(n, from + Kernels.BLOCK);
        for (int i = from; i < to; i++) {
            float weight = stored ? weights[i] : FastMath.expNonPositive((v[i] - top) * scale);
            if (weight > 0) {
                cumulative += weight;
                chosen = i;
                chosenWeight = weight;
                if (cumulative > target) {
                    break;
                }
            }
        }
        return new TokenChoice(id(chosen), (float) Math.min(1.0, chosenWeight / z));
    }

    private int argmaxCandidate(float[] v) {
        if (sorted) {
            return 0;
        }
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[i] > v[best] || (v[i] == v[best] && id(i) < id(best))) {
                best = i;
            }
        }
        return best;
    }
}
