package dev.rill.internal.llama;

import java.lang.foreign.MemorySegment;

/**
 * Owns one llama.cpp grammar sampler ({@link NativeSamplers#grammar}), which points into its model's vocabulary.
 *
 * <p>Lifetime: the grammar must not outlive the vocabulary. Every use holds the model's read lock and fails with
 * {@link IllegalStateException} once the model is closed, and {@link LlamaModelHandle#close()} frees the grammars
 * still open before it frees the model; so a grammar used on another model's engine thread, or kept by a sampler
 * after its model closed, ends its sequence instead of reading freed memory. Not thread-safe beyond that: one
 * sequence, one thread at a time.
 */
public final class LlamaGrammarHandle implements AutoCloseable {
    private final LlamaModelHandle model;
    private MemorySegment sampler; // guarded by this; null once freed
    private final NativeSamplers.TokenArray tokens;
    private boolean idsFilled;
    private int size;

    private LlamaGrammarHandle(LlamaModelHandle model, MemorySegment sampler) {
        this.model = model;
        this.sampler = sampler;
        this.tokens = new NativeSamplers.TokenArray(model.vocabSize());
    }

    /**
     * Masks {@code values[0, size)} in place: every token the grammar does not allow next becomes negative
     * infinity. The ids of the native candidate array are written once; later calls refill the logits only.
     *
     * @return how many tokens the grammar allows
     * @throws IllegalStateException when the grammar's model is closed
     */
    public int mask(float[] values, int size) {
        // Under the model's read lock: its close frees this grammar (and the candidate array) under the write lock.
        return model.withModel(pointer -> {
            MemorySegment grammar = open();
            this.size = size;
            if (idsFilled) {
                tokens.refillLogits(values, size);
            } else {
                tokens.fill(values, size);
                idsFilled = true;
            }
            NativeSamplers.apply(grammar, tokens.pointer());
            return masked(values, size);
        });
    }

    private int masked(float[] values, int size) {
        int allowed = 0;
        for (int i = 0; i < size; i++) {
            if (tokens.logit(i) == Float.NEGATIVE_INFINITY) {
                values[i] = Float.NEGATIVE_INFINITY;
            } else {
                allowed++;
            }
        }
        return allowed;
    }

    /** Whether the last {@link #mask} allowed {@code token}; false once the grammar is freed. */
    public synchronized boolean allows(int token) {
        return sampler != null && token >= 0 && token < size && tokens.logit(token) != Float.NEGATIVE_INFINITY;
    }

    /**
     * Creates the grammar sampler for {@code gbnf} (checked by the caller, see {@link NativeSamplers#grammar}).
     *
     * @throws IllegalStateException when the model is closed
     */
    public static LlamaGrammarHandle create(LlamaModelHandle model, String gbnf) {
        return model.withModel(pointer -> {
            LlamaGrammarHandle grammar = new LlamaGrammarHandle(model, NativeSamplers.grammar(model, gbnf));
            model.track(grammar);
            return grammar;
        });
    }

    /**
     * {@code llama_sampler_accept}: advances the grammar; the token must be one the last apply allowed.
     *
     * @throws IllegalStateException when the grammar's model is closed
     */
    public void accept(int token) {
        model.withModel(pointer -> {
            NativeSamplers.accept(open(), token);
            return null;
        });
    }

    private synchronized MemorySegment open() {
        if (sampler == null) {
            throw new IllegalStateException("the grammar was freed");
        }
        return sampler;
    }

    /** Frees the grammar; idempotent. After the model closed there is nothing left to free. */
    @Override
    public void close() {
        if (!model.isClosed()) {
            try {
                model.withModel(pointer -> {
                    free();
                    return null;
                });
            } catch (IllegalStateException closedMeanwhile) {
                // the model's close freed it
            }
        }
    }

    /** Frees now; for {@link #close()} and the model's close (under its write lock). */
    synchronized void free() {
        MemorySegment s = sampler;
        if (s != null) {
            sampler = null;
            NativeSamplers.free(s);
            tokens.close();
            model.untrack(this);
        }
    }
}
