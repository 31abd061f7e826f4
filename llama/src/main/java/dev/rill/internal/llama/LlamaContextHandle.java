package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;

/**
 * Owns one {@code llama_context}. Not thread-safe, like the context itself: one engine thread creates it,
 * uses it and frees it. Free it before its model.
 */
public final class LlamaContextHandle implements AutoCloseable {
    private final LlamaModelHandle model;
    private MemorySegment context;
    private final int contextSize;
    private final int batchSize;
    private final int ubatchSize;
    private final int sequences;
    private final int embeddingSize;
    /** Floats per sequence output: the embedding size, or the classifier's outputs for RANK pooling. */
    private final int sequenceOutputSize;
    private final PoolingType pooling;
    private final boolean encoderOnly;
    private final boolean causal;
    private final PoolingType pooledInJava;
    private final int cellsPerSequence;
    private final int vocabSize;
    private final ProfileBinding binding;
    /** The context's CPU threads, where this release needs a pool of its own; null otherwise. */
    private final CpuThreadpool threadpool;
    /** Held while this context decodes, where the release needs it ({@link ProfileBinding#decodeLock}); or null. */
    private final Lock decodeLock;
    /** Adapters attached now, in attachment order, with their scales. */
    private Map<MemorySegment, Float> attachedAdapters = new LinkedHashMap<>();
    private final Arena scratch = Arena.ofConfined();
    private final MemorySegment pieceBuffer = scratch.allocate(128);
    private final byte[][] pieces;
    private final byte[] endOfGeneration;

    /**
     * The sizes a context is created with.
     *
     * @param pooling null for a generation context (logits only); otherwise the context outputs embeddings,
     *                pooled this way per sequence ({@link PoolingType#NONE}: one per token), and its sequences
     *                share one KV cache
     */
    public record Config(int contextSize, int batchSize, int threads, int batchThreads, int sequences,
                         boolean flashAttention, CacheType cacheType, PoolingType pooling) {

        /** A generation context. */
        public Config(int contextSize, int batchSize, int threads, int batchThreads, int sequences,
                      boolean flashAttention, CacheType cacheType) {
            this(contextSize, batchSize, threads, batchThreads, sequences, flashAttention, cacheType, null);
        }

        /** Whether the context outputs embeddings. */
        public boolean embeddings() {
            return pooling != null;
        }
    }

    private LlamaContextHandle(LlamaModelHandle model, MemorySegment context, CpuThreadpool threadpool, Config config,
                               PoolingType asked) {
        this.binding = LlamaRuntime.binding();
        this.threadpool = threadpool;
        this.model = model;
        this.context = context;
        // llama.cpp may size the cache up (the current release pads it to 256 cells); Rill keeps to what was asked.
        this.contextSize = Math.min(Llama.nCtx(context), config.contextSize());
        this.batchSize = Llama.nBatch(context);
        this.ubatchSize = Llama.nUbatch(context);
        this.sequences = Llama.nSeqMax(context);
        this.embeddingSize = model.embeddingSize();
        this.pooling = config.embeddings() ? poolingOf(Llama.poolingType(context)) : null;
        this.decodeLock = binding.decodeLock(config.embeddings());
        this.sequenceOutputSize = pooling == PoolingType.RANK ? model.classifierOutputs() : embeddingSize;
        this.pooledInJava = pooling == PoolingType.NONE && asked != PoolingType.NONE ? asked : null;
        this.encoderOnly = model.isEncoderOnly();
        this.causal = model.isCausal();
        this.cellsPerSequence = Math.min(binding.cellsPerSequence(context), contextSize / sequences);
        this.vocabSize = model.vocabSize();
        this.pieces = new byte[vocabSize][];
        this.endOfGeneration = new byte[vocabSize];
    }

    /**
     * Creates a context on {@code model}.
     *
     * @throws IllegalArgumentException for a configuration the loaded llama.cpp would abort on
     * @throws LlamaCallException when llama.cpp refuses to create it
     */
    public static LlamaContextHandle create(LlamaModelHandle model, Config config) {
        try (Arena arena = Arena.ofConfined()) {
            NativeLog.clearRecent();
            Config asked = config;
            if (config.pooling() == PoolingType.RANK && !LlamaRuntime.binding().ranks()) {
                throw new IllegalArgumentException("llama.cpp " + LlamaRuntime.binding().profile()
                        + " cannot rerank: it scores every pair 0; the current release can");
            }
            if (config.embeddings() && config.pooling() != PoolingType.NONE
                    && !LlamaRuntime.binding().poolsNatively(model.isEncoderOnly())) {
                // The caller pools the token vectors (see pooledInJava).
                config = new Config(config.contextSize(), config.batchSize(), config.threads(), config.batchThreads(),
                        config.sequences(), config.flashAttention(), config.cacheType(), PoolingType.NONE);
            }
            MemorySegment context = LlamaRuntime.binding().createContext(arena, model.pointer(), config);
            if (context.equals(MemorySegment.NULL)) {
                throw new LlamaCallException(NativeLog.withRecent("llama.cpp could not create a context of " + config.contextSize()
                        + " cells for " + model.path()));
            }
            CpuThreadpool threadpool = null;
            try {
                if (LlamaRuntime.binding().needsThreadpool()) {
                    threadpool = CpuThreadpool.start(Math.max(config.threads(), config.batchThreads()));
                    if (threadpool != null) {
                        threadpool.attachTo(context);
                    }
                }
                return new LlamaContextHandle(model, context, threadpool, config, asked.pooling());
            } catch (RuntimeException | Error e) {
                if (threadpool != null) {
                    threadpool.detach();
                    threadpool.close();
                }
                Llama.free(context);
                throw e;
            }
        }
    }

    /** KV cache cells. */
    public int contextSize() {
        return contextSize;
    }

    /** Cells each sequence may use: the share asked for, at most what llama.cpp gave each sequence. */
    public int cellsPerSequence() {
        return cellsPerSequence;
    }

    /** Most tokens one decode takes. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Most tokens one physical batch takes. A model without causal attention must see a whole batch in one
     * (llama.cpp aborts otherwise), so {@link #decode} refuses larger batches for such a model.
     */
    public int ubatchSize() {
        return ubatchSize;
    }

    /** The pooling of an embeddings context, as llama.cpp settled it; null for a generation context. */
    public PoolingType pooling() {
        return pooling;
    }

    /**
     * The pooling the caller must apply to token vectors itself, where this release cannot pool for this model
     * ({@link ProfileBinding#poolsNatively}); null when llama.cpp pools (or nothing is pooled).
     */
    public PoolingType pooledInJava() {
        return pooledInJava;
    }

    /** The width of an embedding vector. */
    public int embeddingSize() {
        return embeddingSize;
    }

    private static PoolingType poolingOf(int id) {
        for (PoolingType type : PoolingType.values()) {
            if (type.id() == id) {
                return type;
            }
        }
        throw new LlamaCallException("llama.cpp settled on pooling type " + id + ", which Rill does not read");
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
        if (!causal && tokens > ubatchSize) {
            // GGML_ASSERT(causal_attn || n_ubatch >= n_tokens_all) would abort the current release.
            throw new IllegalArgumentException("batch of " + tokens + " tokens exceeds the physical batch size "
                    + ubatchSize + ", which a model without causal attention must not");
        }
        NativeLog.clearRecent();
        // An encoder-only model (BERT and kin) runs through llama_encode; b4916's decode has no path for it.
        int rc;
        if (decodeLock != null) {
            decodeLock.lock();
        }
        try {
            rc = encoderOnly ? Llama.encode(ctx, batch.struct()) : Llama.decode(ctx, batch.struct());
        } finally {
            if (decodeLock != null) {
                decodeLock.unlock();
            }
        }
        if (rc != 0) {
            throw new DecodeException(rc, binding.retryAfterCompacting(rc), NativeLog.withRecent("llama_decode failed with "
                    + rc + " (" + binding.describeDecodeCode(rc) + ") on a batch of " + tokens + " tokens"));
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
            throw new LlamaCallException(NativeLog.withRecent("llama.cpp returned no logits for batch entry " + index));
        }
        return row.reinterpret((long) vocabSize * Float.BYTES);
    }

    /**
     * Copies the embedding of batch entry {@code index} (a token's hidden state; needs pooling
     * {@link PoolingType#NONE}) into {@code target} from {@code offset}.
     */
    public void copyTokenEmbedding(int index, float[] target, int offset) {
        MemorySegment ctx = open();
        checkEmbeddings();
        MemorySegment row = Llama.getEmbeddingsIth(ctx, index);
        if (row.equals(MemorySegment.NULL)) {
            throw new LlamaCallException(NativeLog.withRecent("llama.cpp returned no embedding for batch entry " + index));
        }
        MemorySegment.copy(row.reinterpret((long) embeddingSize * Float.BYTES), JAVA_FLOAT, 0, target, offset, embeddingSize);
    }

    /**
     * Floats {@link #copySequenceEmbedding} gives per sequence: the embedding size, or for RANK pooling the values
     * of the model's classification head.
     */
    public int sequenceOutputSize() {
        return sequenceOutputSize;
    }

    /** Copies the pooled output of {@code sequence} after the last decode into {@code target}. */
    public void copySequenceEmbedding(int sequence, float[] target) {
        MemorySegment ctx = open();
        checkEmbeddings();
        if (pooling == PoolingType.NONE) {
            throw new IllegalStateException("a context without pooling has no sequence embeddings");
        }
        if (sequence < 0 || sequence >= sequences) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside [0, " + sequences + ")");
        }
        MemorySegment row = Llama.getEmbeddingsSeq(ctx, sequence);
        if (row.equals(MemorySegment.NULL)) {
            throw new LlamaCallException(NativeLog.withRecent("llama.cpp returned no embedding for sequence " + sequence));
        }
        MemorySegment.copy(row.reinterpret((long) sequenceOutputSize * Float.BYTES), JAVA_FLOAT, 0, target, 0,
                sequenceOutputSize);
    }

    private void checkEmbeddings() {
        if (pooling == null) {
            throw new IllegalStateException("this context was not created for embeddings");
        }
    }

    /** Frees the KV cells of every sequence (nothing to free for an encoder-only model, which keeps none). */
    public void clearAll() {
        MemorySegment ctx = open();
        if (!encoderOnly && !binding.removeCells(ctx, -1, -1, -1)) {
            throw new LlamaCallException("llama.cpp refused to clear the KV cache");
        }
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
        removeFrom(sequence, -1);
    }

    /** Frees the KV cells of {@code sequence} from position {@code from} on (-1: all of them). */
    public void removeFrom(int sequence, int from) {
        MemorySegment ctx = open();
        // The current release aborts on a sequence id outside [0, n_seq_max).
        if (sequence < 0 || sequence >= sequences) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside [0, " + sequences + ")");
        }
        if (!binding.removeCells(ctx, sequence, from, -1)) {
            throw new LlamaCallException("llama.cpp refused to remove the cells of sequence " + sequence + " from position " + from);
        }
    }

    /**
     * Gives the empty sequence {@code to} the cells of {@code from} at positions {@code [0, length)}, as if it had
     * evaluated them itself.
     */
    public void copyCells(int from, int to, int length) {
        MemorySegment ctx = open();
        checkSequence(from);
        checkSequence(to);
        if (from == to) {
            throw new IllegalArgumentException("cannot copy sequence " + from + " onto itself");
        }
        if (length <= 0) {
            throw new IllegalArgumentException("copy length must be positive, was " + length);
        }
        binding.copyCells(ctx, from, to, length);
    }

    /**
     * The state of {@code sequence}'s cells, which must hold positions {@code 0..cells-1}, in a form that
     * {@link #restoreSequence} takes back in any context of the same model and release (whatever its sequence
     * count); empty for a sequence without cells.
     *
     * @throws IllegalArgumentException when this model's state cannot be moved (see {@link ProfileBinding#stateUnsupported})
     * @throws LlamaCallException when llama.cpp fails to write it
     */
    public byte[] saveSequence(int sequence, int cells) {
        MemorySegment ctx = open();
        checkSequence(sequence);
        String unsupported = binding.stateUnsupported(model.pointer());
        if (unsupported != null) {
            throw new IllegalArgumentException("cannot save the state of " + model.path().getFileName() + ": " + unsupported);
        }
        SequenceStateCodec codec = new SequenceStateCodec(binding.stateLayout());
        byte[] block = codec.toBlock(rawState(ctx, sequence));
        if (cells == 0 ? block.length != 0 : block.length == 0) {
            throw new LlamaCallException("llama.cpp wrote a state of " + block.length + " bytes for " + cells + " cells");
        }
        if (cells > 0) {
            codec.check(block, cells);
        }
        return block;
    }

    /**
     * Replaces the cells of {@code sequence} with a state {@link #saveSequence} wrote, after checking that it
     * holds {@code cells} cells at positions {@code 0..cells-1} ({@code cells} at most {@link #cellsPerSequence()}).
     * On any failure the sequence is left without cells.
     *
     * @throws IllegalArgumentException when the state is malformed or too large
     * @throws LlamaCallException when llama.cpp refuses it (tensor types or sizes of another model)
     */
    public void restoreSequence(int sequence, byte[] block, int cells) {
        MemorySegment ctx = open();
        checkSequence(sequence);
        if (cells < 0 || cells > cellsPerSequence) {
            throw new IllegalArgumentException("a state of " + cells + " cells does not fit a sequence of "
                    + cellsPerSequence + " cells");
        }
        String unsupported = binding.stateUnsupported(model.pointer());
        if (unsupported != null) {
            throw new IllegalArgumentException("cannot restore a state into " + model.path().getFileName() + ": " + unsupported);
        }
        clearSequence(sequence);
        if (cells == 0) {
            if (block.length != 0) {
                throw new IllegalArgumentException("a state without cells must be empty, was " + block.length + " bytes");
            }
            return;
        }
        SequenceStateCodec codec = new SequenceStateCodec(binding.stateLayout());
        codec.check(block, cells);
        byte[] raw = codec.toNative(block, rawState(ctx, sequence));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(raw.length);
            MemorySegment.copy(raw, 0, source, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, raw.length);
            NativeLog.clearRecent();
            long read = Llama.stateSeqSetData(ctx, source, raw.length, sequence);
            if (read != raw.length) {
                clearSequence(sequence);
                throw new LlamaCallException(NativeLog.withRecent("llama.cpp refused the KV state ("
                        + (read == 0 ? "read nothing" : "read " + read + " of " + raw.length + " bytes") + ")"));
            }
        }
    }

    private byte[] rawState(MemorySegment ctx, int sequence) {
        long size = Llama.stateSeqGetSize(ctx, sequence);
        if (size <= 0 || size > Integer.MAX_VALUE - 64) {
            throw new LlamaCallException(NativeLog.withRecent("llama.cpp reported a state of " + size + " bytes for sequence " + sequence));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(size);
            long written = Llama.stateSeqGetData(ctx, target, size, sequence);
            if (written != size) {
                throw new LlamaCallException(NativeLog.withRecent("llama.cpp wrote " + written + " of " + size
                        + " state bytes for sequence " + sequence));
            }
            return target.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    private void checkSequence(int sequence) {
        // The current release aborts on a sequence id outside [0, n_seq_max).
        if (sequence < 0 || sequence >= sequences) {
            throw new IllegalArgumentException("sequence " + sequence + " is outside [0, " + sequences + ")");
        }
    }

    /** Compacts the KV cache now (where the release needs asking), so that a batch that found no room may find it. */
    public void defragment() {
        binding.compact(open());
    }

    /**
     * Attaches {@code adapter} to this context with {@code scale}, or changes its scale if attached. The
     * caller holds a reference on the adapter for as long as it stays attached.
     */
    public void setAdapter(LlamaAdapterHandle adapter, float scale) {
        Map<MemorySegment, Float> next = new LinkedHashMap<>(attachedAdapters);
        next.put(adapter.pointer(), scale);
        applyAdapters(next, "attach " + adapter.path());
    }

    /** Detaches {@code adapter} from this context. */
    public void removeAdapter(LlamaAdapterHandle adapter) {
        if (!attachedAdapters.containsKey(adapter.pointer())) {
            throw new LlamaCallException("cannot detach " + adapter.path() + ": it is not attached");
        }
        Map<MemorySegment, Float> next = new LinkedHashMap<>(attachedAdapters);
        next.remove(adapter.pointer());
        applyAdapters(next, "detach " + adapter.path());
    }

    private void applyAdapters(Map<MemorySegment, Float> next, String what) {
        MemorySegment ctx = open();
        int rc = binding.setAdapters(ctx, attachedAdapters, next);
        if (rc != 0) {
            throw new LlamaCallException("llama.cpp failed with " + rc + " to " + what);
        }
        attachedAdapters = next;
    }

    /** KV cells in use, over all sequences. */
    public int usedCells() {
        return binding.usedCells(open(), sequences);
    }

    /** Frees the context once. */
    @Override
    public void close() {
        if (context != null) {
            if (threadpool != null) {
                threadpool.detach();
            }
            Llama.free(context);
            context = null;
            if (threadpool != null) {
                threadpool.close();
            }
            scratch.close();
        }
    }
}
