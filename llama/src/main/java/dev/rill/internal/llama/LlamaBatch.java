package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@code llama_batch} whose arrays Java allocates and owns: up to {@code capacity} tokens, each with its
 * position, one sequence id and a flag asking for its logits. Confined to the thread that creates it.
 *
 * <p>Guards the inputs that would end the process inside llama.cpp: a token id outside the vocabulary and
 * more tokens than the context's batch size (the capacity).
 */
public final class LlamaBatch implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final int capacity;
    private final int vocabSize;
    private final MemorySegment struct;
    private final MemorySegment tokens;
    private final MemorySegment positions;
    private final MemorySegment seqIds;
    private final MemorySegment logits;
    private int size;

    /** A batch of at most {@code capacity} tokens from a vocabulary of {@code vocabSize}. */
    public LlamaBatch(int capacity, int vocabSize) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.capacity = capacity;
        this.vocabSize = vocabSize;
        this.struct = arena.allocate(Layouts.BATCH);
        this.tokens = arena.allocate(JAVA_INT, capacity);
        this.positions = arena.allocate(JAVA_INT, capacity);
        MemorySegment seqCounts = arena.allocate(JAVA_INT, capacity);
        this.seqIds = arena.allocate(JAVA_INT, capacity);
        MemorySegment seqIdPointers = arena.allocate(ADDRESS, capacity);
        this.logits = arena.allocate(JAVA_BYTE, capacity);
        for (int i = 0; i < capacity; i++) {
            seqCounts.setAtIndex(JAVA_INT, i, 1);
            seqIdPointers.setAtIndex(ADDRESS, i, seqIds.asSlice((long) i * Integer.BYTES, Integer.BYTES));
        }
        struct.set(ADDRESS, Layouts.B_TOKEN, tokens);
        struct.set(ADDRESS, Layouts.B_EMBD, MemorySegment.NULL);
        struct.set(ADDRESS, Layouts.B_POS, positions);
        struct.set(ADDRESS, Layouts.B_N_SEQ_ID, seqCounts);
        struct.set(ADDRESS, Layouts.B_SEQ_ID, seqIdPointers);
        struct.set(ADDRESS, Layouts.B_LOGITS, logits);
    }

    /** Empties the batch. */
    public void clear() {
        size = 0;
    }

    /** Tokens in the batch. */
    public int size() {
        return size;
    }

    /** Room left. */
    public int remaining() {
        return capacity - size;
    }

    /**
     * Appends a token and returns its index in the batch (the index to read its logits with).
     *
     * @throws IllegalArgumentException for a token outside the vocabulary or a negative position
     * @throws IllegalStateException when the batch is full
     */
    public int add(int token, int position, int sequence, boolean wantLogits) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        if (position < 0) {
            throw new IllegalArgumentException("position must not be negative, was " + position);
        }
        if (size == capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " tokens)");
        }
        int i = size++;
        tokens.setAtIndex(JAVA_INT, i, token);
        positions.setAtIndex(JAVA_INT, i, position);
        seqIds.setAtIndex(JAVA_INT, i, sequence);
        logits.setAtIndex(JAVA_BYTE, i, (byte) (wantLogits ? 1 : 0));
        return i;
    }

    /** The struct to pass by value, with {@code n_tokens} set to the current size. */
    MemorySegment struct() {
        struct.set(JAVA_INT, Layouts.B_N_TOKENS, size);
        return struct;
    }

    /** Frees the arrays. */
    @Override
    public void close() {
        arena.close();
    }
}
