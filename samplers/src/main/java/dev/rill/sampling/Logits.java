package dev.rill.sampling;

import java.util.Objects;

/**
 * The scores a model gave every token of its vocabulary for one position of one sequence.
 *
 * <p>A {@code Logits} is a scratch buffer owned by one sequence and reused at every step: a sampler may
 * read and rewrite it (apply a temperature, mask tokens) while it chooses, and must not keep a reference
 * to it after {@link SequenceSampler#choose} returns. Entries {@code [0, size())} are valid; the backing
 * array may be longer.
 */
public final class Logits {
    private final float[] values;
    private int size;

    /** Creates a buffer able to hold {@code capacity} logits, initially of that size and all zero. */
    public Logits(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.values = new float[capacity];
        this.size = capacity;
    }

    /** A buffer holding a copy of {@code values}; {@link #size()} is their number. */
    public static Logits wrap(float... values) {
        Objects.requireNonNull(values, "values");
        Logits logits = new Logits(Math.max(1, values.length));
        System.arraycopy(values, 0, logits.values, 0, values.length);
        logits.size = values.length;
        return logits;
    }

    /** The number of tokens scored (the vocabulary size). */
    public int size() {
        return size;
    }

    /** Sets the number of valid entries; for the engine that refills this buffer. */
    public void resize(int newSize) {
        if (newSize < 0 || newSize > values.length) {
            throw new IllegalArgumentException("size must be in [0, " + values.length + "], was " + newSize);
        }
        this.size = newSize;
    }

    /** The logit of {@code token}. */
    public float get(int token) {
        Objects.checkIndex(token, size);
        return values[token];
    }

    /** Replaces the logit of {@code token}. */
    public void set(int token, float value) {
        Objects.checkIndex(token, size);
        values[token] = value;
    }

    /**
     * The backing array, for samplers that scan the whole vocabulary in a tight loop. Only the first
     * {@link #size()} entries are meaningful.
     */
    public float[] array() {
        return values;
    }
}
