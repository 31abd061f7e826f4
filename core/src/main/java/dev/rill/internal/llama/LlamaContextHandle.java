package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.rill.KvCacheType;
import dev.rill.RillException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Owns one {@code llama_context}. Not thread-safe, like the context itself: one engine thread creates it,
 * uses it and frees it. Free it before its model.
 */
public final class LlamaContextHandle implements AutoCloseable {
    private final LlamaModelHandle model;
    private MemorySegment context;
    private final int contextSize;
    private final int batchSize;
    private final int sequences;
    private final int vocabSize;
    private final Arena scratch = Arena.ofConfined();
    private final MemorySegment pieceBuffer = scratch.allocate(128);
    private final byte[][] pieces;
    private final byte[] endOfGeneration;

    /** The sizes a context is created with. */
    public record Config(int contextSize, int batchSize, int threads, int batchThreads, int sequences,
                         boolean flashAttention, KvCacheType kvCacheType) {
    }

    private LlamaContextHandle(LlamaModelHandle model, MemorySegment context) {
        this.model = model;
        this.context = context;
        this.contextSize = Llama.nCtx(context);
        this.batchSize = Llama.nBatch(context);
        this.sequences = Llama.nSeqMax(context);
        this.vocabSize = model.vocabSize();
        this.pieces = new byte[vocabSize][];
        this.endOfGeneration = new byte[vocabSize];
    }

    /** Creates a context on {@code model}. */
    public static LlamaContextHandle create(LlamaModelHandle model, Config config) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = Llama.contextDefaultParams(arena).asSlice(0, Layouts.CONTEXT_PARAMS.byteSize());
            params.set(JAVA_INT, Layouts.CP_N_CTX, config.contextSize());
            params.set(JAVA_INT, Layouts.CP_N_BATCH, config.batchSize());
            params.set(JAVA_INT, Layouts.CP_N_UBATCH, config.batchSize());
            params.set(JAVA_INT, Layouts.CP_N_SEQ_MAX, config.sequences());
            params.set(JAVA_INT, Layouts.CP_N_THREADS, config.threads());
            params.set(JAVA_INT, Layouts.CP_N_THREADS_BATCH, config.batchThreads());
            params.set(JAVA_BYTE, Layouts.CP_FLASH_ATTN, (byte) (config.flashAttention() ? 1 : 0));
            // Sequences come and go, leaving holes; llama.cpp compacts the cache when a tenth of it is holes.
            params.set(java.lang.foreign.ValueLayout.JAVA_FLOAT, Layouts.CP_DEFRAG_THOLD, 0.1f);
            int type = switch (config.kvCacheType()) {
                case F16 -> Layouts.GGML_TYPE_F16;
                case F32 -> Layouts.GGML_TYPE_F32;
                case Q8_0 -> Layouts.GGML_TYPE_Q8_0;
            };
            if (config.flashAttention() && type == Layouts.GGML_TYPE_F32) {
                // llama.cpp's CPU flash attention aborts the process on an F32 K cache.
                throw new IllegalArgumentException("flash attention cannot run with an F32 KV cache");
            }
            params.set(JAVA_INT, Layouts.CP_TYPE_K, type);
            params.set(JAVA_INT, Layouts.CP_TYPE_V, type);
            NativeLog.clearRecent();
            MemorySegment context = Llama.initFromModel(model.pointer(), params);
            if (context.equals(MemorySegment.NULL)) {
                throw new RillException(NativeLog.withRecent("llama.cpp could not create a context of " + config.contextSize()
                        + " cells for " + model.path()));
            }
            return new LlamaContextHandle(model, context);
        }
    }

    /** KV cache cells. */
    public int contextSize() {
        return contextSize;
    }

    /** Most tokens one decode takes. */
    public int batchSize() {
        return batchSize;
    }

    /** Sequences the context keeps apart. */
    public int sequences() {
        return sequences;
    }

    /** The model this context runs. */
    public LlamaModelHandle model() {
        return model;
    }

    private MemorySegment open() {
        if (context == null) {
            throw new IllegalStateException("the llama context is closed");
        }
        return context;
    }

    /**
     * Decodes {@code batch}.
     *
     * @throws DecodeException with llama.cpp's return code and log lines when it fails
     */
    public void decode(LlamaBatch batch) {
        MemorySegment ctx = open();
        int tokens = batch.size();
        if (tokens == 0) {
            throw new IllegalArgumentException("cannot decode an empty batch");
        }
        if (tokens > batchSize) {
            // GGML_ASSERT(n_tokens_all <= cparams.n_batch) would abort the process.
            throw new IllegalArgumentException("batch of " + tokens + " tokens exceeds the context's batch size " + batchSize);
        }
        NativeLog.clearRecent();
        int rc = Llama.decode(ctx, batch.struct());
        if (rc != 0) {
            throw new DecodeException(rc, NativeLog.withRecent("llama_decode failed with " + rc + " ("
                    + DecodeException.describe(rc) + ") on a batch of " + tokens + " tokens"));
        }
    }

    /**
     * The logits row of batch entry {@code index}, which must have asked for logits in the last decode.
     * Valid until the next decode.
     */
    public MemorySegment logits(int index) {
        MemorySegment ctx = open();
        MemorySegment row = Llama.getLogitsIth(ctx, index);
        if (row.equals(MemorySegment.NULL)) {
            throw new RillException(NativeLog.withRecent("llama.cpp returned no logits for batch entry " + index));
        }
        return row.reinterpret((long) vocabSize * Float.BYTES);
    }

    /** Copies the logits row of batch entry {@code index} into {@code target}. */
    public void copyLogits(int index, float[] target) {
        MemorySegment.copy(logits(index), JAVA_FLOAT, 0, target, 0, vocabSize);
    }

    /**
     * The bytes of {@code token}'s text piece (special tokens render as nothing), cached after the first
     * lookup. The model is alive while this context is, so no lock is needed.
     */
    public byte[] piece(int token) {
        byte[] piece = pieces[token];
        if (piece == null) {
            open();
            piece = model.piece(pieceBuffer, token, false);
            pieces[token] = piece;
        }
        return piece;
    }

    /** Whether {@code token} ends generation; cached after the first lookup. */
    public boolean isEndOfGeneration(int token) {
        byte known = endOfGeneration[token];
        if (known == 0) {
            open();
            known = Llama.vocabIsEog(model.vocabPointer(), token) ? (byte) 1 : (byte) -1;
            endOfGeneration[token] = known;
        }
        return known > 0;
    }

    /** Frees every KV cell of {@code sequence}. */
    public void clearSequence(int sequence) {
        MemorySegment ctx = open();
        if (sequence < 0 || sequence >= sequences) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside [0, " + sequences + ")");
        }
        if (!Llama.kvSelfSeqRm(ctx, sequence, -1, -1)) {
            throw new RillException("llama_kv_self_seq_rm refused to clear sequence " + sequence);
        }
    }

    /** Frees the KV cells of {@code sequence} from position {@code from} on (to undo a failed decode). */
    public void removeFrom(int sequence, int from) {
        MemorySegment ctx = open();
        if (!Llama.kvSelfSeqRm(ctx, sequence, from, -1)) {
            throw new RillException("llama_kv_self_seq_rm refused to trim sequence " + sequence + " from " + from);
        }
    }

    /** Compacts the KV cache now, so that a batch that found no contiguous room may find it. */
    public void defragment() {
        MemorySegment ctx = open();
        Llama.kvSelfDefrag(ctx);
        Llama.kvSelfUpdate(ctx);
    }

    /**
     * Attaches {@code adapter} to this context with {@code scale}, or changes its scale if attached. The
     * caller holds a reference on the adapter for as long as it stays attached.
     */
    public void setAdapter(LlamaAdapterHandle adapter, float scale) {
        MemorySegment ctx = open();
        int rc = Llama.setAdapterLora(ctx, adapter.pointer(), scale);
        if (rc != 0) {
            throw new RillException("llama_set_adapter_lora failed with " + rc + " for " + adapter.path());
        }
    }

    /** Detaches {@code adapter} from this context. */
    public void removeAdapter(LlamaAdapterHandle adapter) {
        MemorySegment ctx = open();
        int rc = Llama.rmAdapterLora(ctx, adapter.pointer());
        if (rc != 0) {
            throw new RillException("llama_rm_adapter_lora: " + adapter.path() + " was not attached");
        }
    }

    /** KV cells in use, over all sequences. */
    public int usedCells() {
        return Llama.kvSelfUsedCells(open());
    }

    /** Frees the context once. */
    @Override
    public void close() {
        if (context != null) {
            Llama.free(context);
            context = null;
            scratch.close();
        }
    }
}
