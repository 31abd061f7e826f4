package dev.rill.internal.engine;

import java.util.Arrays;
import java.util.List;

/**
 * What the KV cells of each sequence slot hold: the tokens at positions {@code 0..length-1}, the LoRA adapter
 * set they were computed under, and whether a chat session holds the slot. The engine records every token it
 * puts into a batch and every removal, so that a new prompt can be matched against what the cells already hold.
 * Engine thread only.
 *
 * <p>Cells are reusable for a prompt only up to the first position computed under another adapter set than the
 * prompt's: a token's cells depend on the adapters of the step that evaluated it, so cells computed under one
 * set are never served to a request of another.
 */
final class SlotCells {
    /** A slot and how many leading tokens of a prompt its cells already hold. */
    record Match(int slot, int length) {
    }

    private final int[][] tokens;
    private final int[] length;
    private final Object[] adapterKey;
    /** Leading cells computed under {@code adapterKey}; later ones were computed under another set. */
    private final int[] uniform;
    private final long[] lastUsed;
    private final Object[] holder;
    private long clock;

    SlotCells(int slots) {
        tokens = new int[slots][];
        length = new int[slots];
        adapterKey = new Object[slots];
        uniform = new int[slots];
        lastUsed = new long[slots];
        holder = new Object[slots];
        for (int i = 0; i < slots; i++) {
            tokens[i] = new int[64];
        }
    }

    /** Records that {@code token} went into {@code slot}'s cells at {@code position}, under {@code adapters}. */
    void put(int slot, int position, int token, List<ResolvedAdapter> adapters) {
        if (position > length[slot]) {
            throw new IllegalStateException("slot " + slot + " skips from " + length[slot] + " to position " + position);
        }
        if (position >= tokens[slot].length) {
            tokens[slot] = Arrays.copyOf(tokens[slot], Math.max(position + 1, tokens[slot].length * 2));
        }
        tokens[slot][position] = token;
        length[slot] = position + 1;
        if (position == 0) {
            adapterKey[slot] = adapters;
            uniform[slot] = 1;
        } else if (uniform[slot] == position && adapters.equals(adapterKey[slot])) {
            uniform[slot] = position + 1;
        } else {
            uniform[slot] = Math.min(uniform[slot], position);
        }
        lastUsed[slot] = ++clock;
    }

    /** Records that the cells of {@code slot} from {@code position} on were removed. */
    void truncate(int slot, int position) {
        if (position < length[slot]) {
            length[slot] = Math.max(0, position);
            uniform[slot] = Math.min(uniform[slot], length[slot]);
        }
    }

    /** Records that {@code to} received the first {@code count} cells of {@code from}. */
    void copy(int from, int to, int count) {
        if (tokens[to].length < count) {
            tokens[to] = new int[Math.max(count, tokens[from].length)];
        }
        System.arraycopy(tokens[from], 0, tokens[to], 0, count);
        length[to] = count;
        adapterKey[to] = adapterKey[from];
        uniform[to] = Math.min(uniform[from], count);
        lastUsed[to] = ++clock;
    }

    /** Records that {@code slot} holds {@code restored} (positions {@code 0..n-1}) computed without adapters. */
    void restored(int slot, int[] restored) {
        tokens[slot] = Arrays.copyOf(restored, Math.max(64, restored.length));
        length[slot] = restored.length;
        adapterKey[slot] = List.of();
        uniform[slot] = restored.length;
        lastUsed[slot] = ++clock;
    }

    int length(int slot) {
        return length[slot];
    }

    /** The tokens the cells of {@code slot} hold. */
    int[] tokens(int slot) {
        return Arrays.copyOf(tokens[slot], length[slot]);
    }

    /** Whether every cell of {@code slot} was computed under {@code adapters}. */
    boolean computedUnder(int slot, List<ResolvedAdapter> adapters) {
        return length[slot] == 0 || (uniform[slot] == length[slot] && adapters.equals(adapterKey[slot]));
    }

    /** How many leading tokens of {@code prompt} the cells of {@code slot} hold, computed under {@code adapters}. */
    int commonPrefix(int slot, int[] prompt, List<ResolvedAdapter> adapters) {
        if (length[slot] == 0 || !adapters.equals(adapterKey[slot])) {
            return 0;
        }
        int limit = Math.min(Math.min(uniform[slot], length[slot]), prompt.length);
        int[] held = tokens[slot];
        int n = 0;
        while (n < limit && held[n] == prompt[n]) {
            n++;
        }
        return n;
    }

    /**
     * The free slot (in {@code free}) to run {@code prompt} in: the one whose cells hold the longest prefix of
     * it, else the least recently used.
     */
    Match choose(boolean[] free, int[] prompt, List<ResolvedAdapter> adapters) {
        int best = -1;
        int bestLength = 0;
        int oldest = -1;
        for (int slot = 0; slot < free.length; slot++) {
            if (!free[slot]) {
                continue;
            }
            int common = commonPrefix(slot, prompt, adapters);
            if (common > bestLength) {
                best = slot;
                bestLength = common;
            }
            if (oldest < 0 || lastUsed[slot] < lastUsed[oldest]) {
                oldest = slot;
            }
        }
        return best >= 0 ? new Match(best, bestLength) : oldest >= 0 ? new Match(oldest, 0) : null;
    }

    /** The slot other than {@code except} whose cells hold the longest prefix of {@code prompt}, or null. */
    Match longestElsewhere(int except, int[] prompt, List<ResolvedAdapter> adapters) {
        Match best = null;
        for (int slot = 0; slot < length.length; slot++) {
            if (slot == except) {
                continue;
            }
            int common = commonPrefix(slot, prompt, adapters);
            if (common > 0 && (best == null || common > best.length())) {
                best = new Match(slot, common);
            }
        }
        return best;
    }

    /** The chat session holding {@code slot}, or null. */
    Object holder(int slot) {
        return holder[slot];
    }

    void hold(int slot, Object session) {
        holder[slot] = session;
    }

    /** The slot to hold for a new session: an unheld one, idle ones first, least recently used first; -1 if none. */
    int chooseToHold(Sequence[] running) {
        int chosen = -1;
        for (int slot = 0; slot < holder.length; slot++) {
            if (holder[slot] != null) {
                continue;
            }
            if (chosen < 0 || (running[slot] == null && running[chosen] != null)
                    || ((running[slot] == null) == (running[chosen] == null) && lastUsed[slot] < lastUsed[chosen])) {
                chosen = slot;
            }
        }
        return chosen;
    }
}
