package dev.rill.internal.llama;

import dev.rill.llama.LlamaProfile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;

/**
 * What differs between the llama.cpp releases Rill speaks: the parameter structs, the functions that changed
 * name or signature, and what a release needs before it can load a model. The functions both releases share
 * live in {@link Llama}; the owners ({@link LlamaModelHandle}, {@link LlamaContextHandle}) call this for the
 * rest and never ask which profile runs.
 *
 * <p>{@link LlamaRuntime} picks one implementation per JVM from the loaded library's exported symbols. Each
 * implementation links its own downcalls in its static initializer, so the other profile's symbols are never
 * looked up.
 */
sealed interface ProfileBinding permits B4916Binding, CurrentBinding {

    /** Which release this binds. */
    LlamaProfile profile();

    /** Every difference between the library's struct defaults and this profile's layouts; empty when they match. */
    List<String> layoutProblems();

    /**
     * Loads a model with {@code config} applied over the library's defaults.
     *
     * @return the {@code llama_model *}, or NULL when llama.cpp refused (its reason is in the log)
     */
    MemorySegment loadModel(Arena arena, MemorySegment path, LlamaModelHandle.Config config);

    /**
     * Creates a context on {@code model} with {@code config} applied over the library's defaults.
     *
     * @return the {@code llama_context *}, or NULL when llama.cpp refused
     * @throws IllegalArgumentException for a configuration this release would abort on
     */
    MemorySegment createContext(Arena arena, MemorySegment model, LlamaContextHandle.Config config);

    /**
     * Whether a context needs a {@link CpuThreadpool} of its own: true where the CPU backend would otherwise start
     * and join its threads on every decode, false where its threads persist anyway (an OpenMP build).
     */
    boolean needsThreadpool();

    /**
     * Whether llama.cpp's own pooling (mean, CLS, last) runs on a model of this kind; where it does not, an
     * embeddings context is created without pooling and the caller pools the token vectors itself.
     */
    boolean poolsNatively(boolean encoderOnly);

    /**
     * The lock a decode on a context holds, or null where contexts decode independently of each other. b4916 gives
     * an embeddings context wrong vectors when another context decodes at the same time (measured: vectors of a
     * BERT and of a Llama off by up to 7 while another context decoded, in the same model or another; generation
     * contexts among themselves were unaffected), so there an embeddings context decodes alone: it takes the write
     * lock of one lock for the process, a generation context its read lock.
     */
    Lock decodeLock(boolean embeddings);

    /** Whether a context with rank pooling gives a reranker's scores. */
    boolean ranks();

    /**
     * How many values a reranker's classification head gives per sequence ({@code llama_model_n_cls_out}; b4916
     * always gives one).
     */
    int classifierOutputs(MemorySegment model);

    /**
     * Whether the vocabulary puts a separator token between the two texts of a pair
     * ({@code llama_vocab_get_add_sep}; b4916 has no such flag and separates WordPiece pairs only).
     */
    boolean separatesPairs(MemorySegment vocab);

    /** The KV cells each sequence of {@code context} may use, as llama.cpp sized them. */
    int cellsPerSequence(MemorySegment context);

    /**
     * Removes the cells of {@code sequence} in positions {@code [from, to)} (-1: open end). The sequence id
     * must be in {@code [0, n_seq_max)}: the caller checks it, since a bad one aborts the current release.
     */
    boolean removeCells(MemorySegment context, int sequence, int from, int to);

    /**
     * Gives the empty sequence {@code to} the cells of positions {@code [0, length)} of sequence {@code from}.
     * Both ids must be in {@code [0, n_seq_max)} and differ; the caller checks them.
     */
    void copyCells(MemorySegment context, int from, int to, int length);

    /**
     * How this release writes one cell of a single sequence's state ({@code llama_state_seq_get_data}): the
     * bytes of each cell's record, and the sequence ids it carries (the rest of the record).
     */
    StateLayout stateLayout();

    /**
     * Why a sequence's state on {@code model} cannot be moved between contexts by Rill (its cache is more than one
     * plain KV cache), or null when it can.
     */
    String stateUnsupported(MemorySegment model);

    /**
     * The layout of a sequence state as one release writes it: a header (the current release: a magic number
     * and the sequence id), an optional stream count ahead of the per-stream blocks, then per block a cell
     * count, that many cell records (position, count of sequence ids, the ids), and the cells' tensor data.
     *
     * @param headerBytes the bytes before the stream count or the block
     * @param streamCount whether a stream count comes before the blocks (the current release)
     * @param cellBytes the bytes of one cell record
     * @param sequenceIdsPerCell the count of sequence ids a cell record states
     */
    record StateLayout(int headerBytes, boolean streamCount, int cellBytes, int sequenceIdsPerCell) {
    }

    /** Compacts the KV cache if this release needs to be asked. */
    void compact(MemorySegment context);

    /** KV cells holding a position, over {@code sequences} sequences. */
    int usedCells(MemorySegment context, int sequences);

    /**
     * Makes {@code next} (adapter pointer to scale, in order) the context's adapter set, given that
     * {@code previous} is attached now.
     *
     * @return 0, or llama.cpp's error code
     */
    int setAdapters(MemorySegment context, Map<MemorySegment, Float> previous, Map<MemorySegment, Float> next);

    /** {@code llama_sampler_init_penalties} with the arguments this release takes. */
    MemorySegment penaltiesSampler(int vocabSize, int lastN, float repeat, float frequency, float presence);

    /** Describes a {@code llama_decode} return code. */
    String describeDecodeCode(int code);

    /** Whether a failed decode with {@code code} may succeed after {@link #compact}. */
    boolean retryAfterCompacting(int code);
}
