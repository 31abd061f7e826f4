package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.rill.llama.LlamaProfile;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * llama.cpp tag b4916, as shipped in de.kherud:llama 4.2.0: its parameter structs (64 and 120 bytes), the
 * {@code llama_kv_self_*} cache functions and one-at-a-time adapter functions.
 */
final class B4916Binding implements ProfileBinding {
    static final B4916Binding INSTANCE = new B4916Binding();
    /** See {@link #decodeLock}: embeddings contexts decode alone, generation contexts side by side. */
    private static final ReentrantReadWriteLock DECODES = new ReentrantReadWriteLock();

    private B4916Binding() {
    }

    /** {@code struct llama_model_params}, 64 bytes. */
    static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("main_gpu"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("use_mmap"),
            JAVA_BOOLEAN.withName("use_mlock"),
            JAVA_BOOLEAN.withName("check_tensors"),
            MemoryLayout.paddingLayout(4));

    static final long MP_N_GPU_LAYERS = 8;
    static final long MP_SPLIT_MODE = 12;
    static final long MP_VOCAB_ONLY = 56;
    static final long MP_USE_MMAP = 57;
    static final long MP_USE_MLOCK = 58;
    static final long MP_CHECK_TENSORS = 59;

    /** {@code struct llama_context_params}, 120 bytes. */
    static final StructLayout CONTEXT_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            JAVA_BOOLEAN.withName("logits_all"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("flash_attn"),
            JAVA_BOOLEAN.withName("no_perf"),
            MemoryLayout.paddingLayout(3),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data"));

    static final long CP_N_CTX = 0;
    static final long CP_N_BATCH = 4;
    static final long CP_N_UBATCH = 8;
    static final long CP_N_SEQ_MAX = 12;
    static final long CP_N_THREADS = 16;
    static final long CP_N_THREADS_BATCH = 20;
    static final long CP_POOLING_TYPE = 28;
    static final long CP_YARN_EXT_FACTOR = 44;
    static final long CP_YARN_ATTN_FACTOR = 48;
    static final long CP_YARN_BETA_FAST = 52;
    static final long CP_YARN_BETA_SLOW = 56;
    static final long CP_DEFRAG_THOLD = 64;
    static final long CP_TYPE_K = 88;
    static final long CP_TYPE_V = 92;
    static final long CP_EMBEDDINGS = 97;
    static final long CP_OFFLOAD_KQV = 98;
    static final long CP_FLASH_ATTN = 99;
    static final long CP_NO_PERF = 100;

    private static final StructLayout GUARDED_MODEL_PARAMS = LayoutCheck.guarded(MODEL_PARAMS);
    private static final StructLayout GUARDED_CONTEXT_PARAMS = LayoutCheck.guarded(CONTEXT_PARAMS);

    // struct llama_model_params llama_model_default_params(void);  (into a guarded buffer: see LayoutCheck)
    private static final MethodHandle MODEL_DEFAULT_PARAMS =
            Llama.downcall("llama_model_default_params", FunctionDescriptor.of(GUARDED_MODEL_PARAMS));
    // struct llama_context_params llama_context_default_params(void);
    private static final MethodHandle CONTEXT_DEFAULT_PARAMS =
            Llama.downcall("llama_context_default_params", FunctionDescriptor.of(GUARDED_CONTEXT_PARAMS));
    // struct llama_model * llama_model_load_from_file(const char * path_model, struct llama_model_params params);
    private static final MethodHandle MODEL_LOAD_FROM_FILE = Llama.downcall("llama_model_load_from_file",
            FunctionDescriptor.of(ADDRESS, ADDRESS, MODEL_PARAMS));
    // struct llama_context * llama_init_from_model(struct llama_model * model, struct llama_context_params params);
    private static final MethodHandle INIT_FROM_MODEL = Llama.downcall("llama_init_from_model",
            FunctionDescriptor.of(ADDRESS, ADDRESS, CONTEXT_PARAMS));
    // bool llama_kv_self_seq_rm(struct llama_context * ctx, llama_seq_id seq_id, llama_pos p0, llama_pos p1);
    private static final MethodHandle KV_SELF_SEQ_RM = Llama.downcall("llama_kv_self_seq_rm",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    // void llama_kv_self_seq_cp(struct llama_context * ctx, llama_seq_id seq_id_src, llama_seq_id seq_id_dst,
    //                          llama_pos p0, llama_pos p1);
    private static final MethodHandle KV_SELF_SEQ_CP = Llama.downcall("llama_kv_self_seq_cp",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    // void llama_kv_self_defrag(struct llama_context * ctx);
    private static final MethodHandle KV_SELF_DEFRAG = Llama.downcall("llama_kv_self_defrag", FunctionDescriptor.ofVoid(ADDRESS));
    // void llama_kv_self_update(struct llama_context * ctx);
    private static final MethodHandle KV_SELF_UPDATE = Llama.downcall("llama_kv_self_update", FunctionDescriptor.ofVoid(ADDRESS));
    // int32_t llama_kv_self_used_cells(const struct llama_context * ctx);
    private static final MethodHandle KV_SELF_USED_CELLS = Llama.downcall("llama_kv_self_used_cells",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int32_t llama_set_adapter_lora(struct llama_context * ctx, struct llama_adapter_lora * adapter, float scale);
    private static final MethodHandle SET_ADAPTER_LORA = Llama.downcall("llama_set_adapter_lora",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_FLOAT));
    // int32_t llama_rm_adapter_lora(struct llama_context * ctx, struct llama_adapter_lora * adapter);
    private static final MethodHandle RM_ADAPTER_LORA = Llama.downcall("llama_rm_adapter_lora",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // struct llama_sampler * llama_sampler_init_penalties(int32_t last_n, float repeat, float freq, float present);
    private static final MethodHandle INIT_PENALTIES = Llama.downcall("llama_sampler_init_penalties",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT));

    @Override
    public LlamaProfile profile() {
        return LlamaProfile.B4916;
    }

    private static MemorySegment modelDefaults(SegmentAllocator allocator) {
        try {
            return (MemorySegment) MODEL_DEFAULT_PARAMS.invokeExact(allocator);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    private static MemorySegment contextDefaults(SegmentAllocator allocator) {
        try {
            return (MemorySegment) CONTEXT_DEFAULT_PARAMS.invokeExact(allocator);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public List<String> layoutProblems() {
        LayoutCheck check = new LayoutCheck();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment model = modelDefaults(LayoutCheck.canaryAllocator(arena, GUARDED_MODEL_PARAMS));
            check.guard(model, MODEL_PARAMS.byteSize(), "llama_model_params");
            check.expectByte(model, MP_VOCAB_ONLY, 0, "llama_model_params.vocab_only");
            check.expectByte(model, MP_USE_MMAP, 1, "llama_model_params.use_mmap");
            check.expectByte(model, MP_USE_MLOCK, 0, "llama_model_params.use_mlock");
            check.expectByte(model, MP_CHECK_TENSORS, 0, "llama_model_params.check_tensors");
            check.expectInt(model, MP_SPLIT_MODE, 1, "llama_model_params.split_mode");

            MemorySegment context = contextDefaults(LayoutCheck.canaryAllocator(arena, GUARDED_CONTEXT_PARAMS));
            check.guard(context, CONTEXT_PARAMS.byteSize(), "llama_context_params");
            check.expectInt(context, CP_N_CTX, 512, "llama_context_params.n_ctx");
            check.expectInt(context, CP_N_BATCH, 2048, "llama_context_params.n_batch");
            check.expectInt(context, CP_N_UBATCH, 512, "llama_context_params.n_ubatch");
            check.expectInt(context, CP_N_SEQ_MAX, 1, "llama_context_params.n_seq_max");
            check.expectFloat(context, CP_YARN_EXT_FACTOR, -1f, "llama_context_params.yarn_ext_factor");
            check.expectFloat(context, CP_YARN_ATTN_FACTOR, 1f, "llama_context_params.yarn_attn_factor");
            check.expectFloat(context, CP_YARN_BETA_FAST, 32f, "llama_context_params.yarn_beta_fast");
            check.expectFloat(context, CP_YARN_BETA_SLOW, 1f, "llama_context_params.yarn_beta_slow");
            check.expectFloat(context, CP_DEFRAG_THOLD, -1f, "llama_context_params.defrag_thold");
            check.expectInt(context, CP_TYPE_K, Layouts.GGML_TYPE_F16, "llama_context_params.type_k");
            check.expectInt(context, CP_TYPE_V, Layouts.GGML_TYPE_F16, "llama_context_params.type_v");
            check.expectByte(context, CP_OFFLOAD_KQV, 1, "llama_context_params.offload_kqv");
            check.expectByte(context, CP_FLASH_ATTN, 0, "llama_context_params.flash_attn");
            check.expectByte(context, CP_NO_PERF, 1, "llama_context_params.no_perf");
            check.expectInt(context, CP_POOLING_TYPE, -1, "llama_context_params.pooling_type");
            check.expectByte(context, CP_EMBEDDINGS, 0, "llama_context_params.embeddings");
        }
        return check.problems();
    }

    @Override
    public MemorySegment loadModel(Arena arena, MemorySegment path, LlamaModelHandle.Config config) {
        MemorySegment params = modelDefaults(arena).asSlice(0, MODEL_PARAMS.byteSize());
        params.set(JAVA_INT, MP_N_GPU_LAYERS, config.gpuLayers());
        params.set(JAVA_BYTE, MP_USE_MMAP, (byte) (config.mmap() ? 1 : 0));
        params.set(JAVA_BYTE, MP_USE_MLOCK, (byte) (config.mlock() ? 1 : 0));
        try {
            return (MemorySegment) MODEL_LOAD_FROM_FILE.invokeExact(path, params);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public MemorySegment createContext(Arena arena, MemorySegment model, LlamaContextHandle.Config config) {
        int type = config.cacheType().ggmlType();
        if (config.flashAttention() && type == Layouts.GGML_TYPE_F32) {
            // b4916's CPU flash attention aborts the process on an F32 K cache.
            throw new IllegalArgumentException("flash attention cannot run with an F32 KV cache on llama.cpp b4916");
        }
        MemorySegment params = contextDefaults(arena).asSlice(0, CONTEXT_PARAMS.byteSize());
        params.set(JAVA_INT, CP_N_CTX, config.contextSize());
        params.set(JAVA_INT, CP_N_BATCH, config.batchSize());
        params.set(JAVA_INT, CP_N_UBATCH, config.batchSize());
        params.set(JAVA_INT, CP_N_SEQ_MAX, config.sequences());
        params.set(JAVA_INT, CP_N_THREADS, config.threads());
        params.set(JAVA_INT, CP_N_THREADS_BATCH, config.batchThreads());
        params.set(JAVA_BYTE, CP_FLASH_ATTN, (byte) (config.flashAttention() ? 1 : 0));
        // Sequences come and go, leaving holes; b4916 compacts the cache when a tenth of it is holes.
        params.set(JAVA_FLOAT, CP_DEFRAG_THOLD, 0.1f);
        params.set(JAVA_INT, CP_TYPE_K, type);
        params.set(JAVA_INT, CP_TYPE_V, type);
        if (config.embeddings()) {
            params.set(JAVA_BYTE, CP_EMBEDDINGS, (byte) 1);
            params.set(JAVA_INT, CP_POOLING_TYPE, config.pooling().id());
        }
        try {
            return (MemorySegment) INIT_FROM_MODEL.invokeExact(model, params);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /**
     * Only for encoder-only models: creating a pooled context on a decoder model (Llama) aborts in b4916's
     * graph reservation ({@code GGML_ASSERT(ggml_can_mul_mat(a, b))}, reproduced by EmbeddingsTest).
     */
    @Override
    public boolean ranks() {
        // Measured: a BERT reranker loads, and every pair scores 0.0.
        return false;
    }

    @Override
    public int classifierOutputs(MemorySegment model) {
        return 1;
    }

    @Override
    public boolean separatesPairs(MemorySegment vocab) {
        // What the current release's vocabulary sets for WordPiece, the one kind that separates pairs there.
        return Llama.vocabType(vocab) == Llama.VOCAB_TYPE_WPM;
    }

    @Override
    public Lock decodeLock(boolean embeddings) {
        return embeddings ? DECODES.writeLock() : DECODES.readLock();
    }

    @Override
    public boolean needsThreadpool() {
        // Built with OpenMP, whose thread team persists between decodes.
        return false;
    }

    @Override
    public boolean poolsNatively(boolean encoderOnly) {
        return encoderOnly;
    }

    @Override
    public int cellsPerSequence(MemorySegment context) {
        // One cache shared by all sequences.
        return Llama.nCtx(context) / Math.max(1, Llama.nSeqMax(context));
    }

    @Override
    public boolean removeCells(MemorySegment context, int sequence, int from, int to) {
        try {
            return (boolean) KV_SELF_SEQ_RM.invokeExact(context, sequence, from, to);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** The cache is shared here: the copy tags the same cells with the second sequence, no data moves. */
    @Override
    public void copyCells(MemorySegment context, int from, int to, int length) {
        try {
            KV_SELF_SEQ_CP.invokeExact(context, from, to, 0, length);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** b4916 keeps one KV cache for every architecture it runs as a transformer; recurrent states fail the check. */
    @Override
    public String stateUnsupported(MemorySegment model) {
        return null;
    }

    /** No stream count; per cell its position and a sequence id count of 0 (the ids are implied). */
    @Override
    public StateLayout stateLayout() {
        return new StateLayout(0, false, 8, 0);
    }

    @Override
    public void compact(MemorySegment context) {
        try {
            KV_SELF_DEFRAG.invokeExact(context);
            KV_SELF_UPDATE.invokeExact(context);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public int usedCells(MemorySegment context, int sequences) {
        try {
            return (int) KV_SELF_USED_CELLS.invokeExact(context);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /**
     * Detaches what {@code next} lacks, then attaches or re-scales the rest, one call each. (The engine never
     * detaches one adapter and attaches another in the same change: b4916 aborts on that graph; see Engine.)
     */
    @Override
    public int setAdapters(MemorySegment context, Map<MemorySegment, Float> previous, Map<MemorySegment, Float> next) {
        try {
            for (MemorySegment adapter : previous.keySet()) {
                if (!next.containsKey(adapter)) {
                    int rc = (int) RM_ADAPTER_LORA.invokeExact(context, adapter);
                    if (rc != 0) {
                        return rc;
                    }
                }
            }
            for (Map.Entry<MemorySegment, Float> entry : next.entrySet()) {
                Float before = previous.get(entry.getKey());
                if (before == null || Float.compare(before, entry.getValue()) != 0) {
                    int rc = (int) SET_ADAPTER_LORA.invokeExact(context, entry.getKey(), (float) entry.getValue());
                    if (rc != 0) {
                        return rc;
                    }
                }
            }
            return 0;
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public MemorySegment penaltiesSampler(int vocabSize, int lastN, float repeat, float frequency, float presence) {
        try {
            return (MemorySegment) INIT_PENALTIES.invokeExact(lastN, repeat, frequency, presence);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public String describeDecodeCode(int code) {
        return switch (code) {
            case 1 -> "no free KV cache slot for the batch";
            case -3 -> "the KV cache is full";
            case -1 -> "invalid input batch";
            default -> code < 0 ? "error" : "warning";
        };
    }

    @Override
    public boolean retryAfterCompacting(int code) {
        return code == 1;
    }
}
