package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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

/**
 * The current llama.cpp release (v0.4.0, September 2026), as node-llama-cpp's prebuilt libraries ship it:
 * parameter structs of 80 and 160 bytes, the {@code llama_memory_*} cache functions, one call that sets the
 * whole adapter set, and backends that are separate libraries loaded before {@code llama_backend_init}
 * ({@link Backends}).
 */
final class CurrentBinding implements ProfileBinding {
    static final CurrentBinding INSTANCE = new CurrentBinding();

    private CurrentBinding() {
    }

    /** {@code struct llama_model_params}, 80 bytes. */
    static final StructLayout MODEL_PARAMS = MemoryLayout.structLayout(
            ADDRESS.withName("devices"),
            ADDRESS.withName("tensor_buft_overrides"),
            JAVA_INT.withName("n_gpu_layers"),
            JAVA_INT.withName("split_mode"),
            JAVA_INT.withName("load_mode"),
            JAVA_INT.withName("lazy_mode"),
            JAVA_INT.withName("main_gpu"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("tensor_split"),
            ADDRESS.withName("progress_callback"),
            ADDRESS.withName("progress_callback_user_data"),
            ADDRESS.withName("kv_overrides"),
            JAVA_BOOLEAN.withName("vocab_only"),
            JAVA_BOOLEAN.withName("check_tensors"),
            JAVA_BOOLEAN.withName("use_extra_bufts"),
            JAVA_BOOLEAN.withName("no_host"),
            JAVA_BOOLEAN.withName("no_alloc"),
            JAVA_BOOLEAN.withName("load_mtp"),
            MemoryLayout.paddingLayout(2));

    static final long MP_N_GPU_LAYERS = 16;
    static final long MP_SPLIT_MODE = 20;
    static final long MP_LOAD_MODE = 24;
    static final long MP_LAZY_MODE = 28;
    static final long MP_VOCAB_ONLY = 72;
    static final long MP_CHECK_TENSORS = 73;
    static final long MP_USE_EXTRA_BUFTS = 74;

    /** {@code enum llama_load_mode}. */
    static final int LOAD_AUTO = -1;
    static final int LOAD_NONE = 0;
    static final int LOAD_MMAP = 1;
    static final int LOAD_MLOCK = 2;
    static final int LOAD_MMAP_MLOCK = 3;

    /** {@code struct llama_context_params}, 160 bytes. */
    static final StructLayout CONTEXT_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("n_ctx"),
            JAVA_INT.withName("n_batch"),
            JAVA_INT.withName("n_ubatch"),
            JAVA_INT.withName("n_seq_max"),
            JAVA_INT.withName("n_rs_seq"),
            JAVA_INT.withName("n_outputs_max"),
            JAVA_INT.withName("n_outputs_max_per_seq"),
            JAVA_INT.withName("n_threads"),
            JAVA_INT.withName("n_threads_batch"),
            JAVA_INT.withName("ctx_type"),
            JAVA_INT.withName("rope_scaling_type"),
            JAVA_INT.withName("pooling_type"),
            JAVA_INT.withName("attention_type"),
            JAVA_INT.withName("flash_attn_type"),
            JAVA_FLOAT.withName("rope_freq_base"),
            JAVA_FLOAT.withName("rope_freq_scale"),
            JAVA_FLOAT.withName("yarn_ext_factor"),
            JAVA_FLOAT.withName("yarn_attn_factor"),
            JAVA_FLOAT.withName("yarn_beta_fast"),
            JAVA_FLOAT.withName("yarn_beta_slow"),
            JAVA_INT.withName("yarn_orig_ctx"),
            JAVA_FLOAT.withName("defrag_thold"),
            ADDRESS.withName("cb_eval"),
            ADDRESS.withName("cb_eval_user_data"),
            JAVA_INT.withName("type_k"),
            JAVA_INT.withName("type_v"),
            ADDRESS.withName("abort_callback"),
            ADDRESS.withName("abort_callback_data"),
            JAVA_BOOLEAN.withName("embeddings"),
            JAVA_BOOLEAN.withName("offload_kqv"),
            JAVA_BOOLEAN.withName("no_perf"),
            JAVA_BOOLEAN.withName("op_offload"),
            JAVA_BOOLEAN.withName("swa_full"),
            JAVA_BOOLEAN.withName("kv_unified"),
            MemoryLayout.paddingLayout(2),
            ADDRESS.withName("samplers"),
            JAVA_LONG.withName("n_samplers"),
            ADDRESS.withName("ctx_other"));

    static final long CP_N_CTX = 0;
    static final long CP_N_BATCH = 4;
    static final long CP_N_UBATCH = 8;
    static final long CP_N_SEQ_MAX = 12;
    static final long CP_N_THREADS = 28;
    static final long CP_N_THREADS_BATCH = 32;
    static final long CP_ROPE_SCALING_TYPE = 40;
    static final long CP_POOLING_TYPE = 44;
    static final long CP_EMBEDDINGS = 128;
    static final long CP_FLASH_ATTN_TYPE = 52;
    static final long CP_YARN_EXT_FACTOR = 64;
    static final long CP_TYPE_K = 104;
    static final long CP_TYPE_V = 108;
    static final long CP_OFFLOAD_KQV = 129;
    static final long CP_NO_PERF = 130;
    static final long CP_KV_UNIFIED = 133;

    /** {@code enum llama_flash_attn_type}. */
    static final int FLASH_ATTN_DISABLED = 0;
    static final int FLASH_ATTN_ENABLED = 1;

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
    // uint32_t llama_n_ctx_seq(const struct llama_context * ctx);
    private static final MethodHandle N_CTX_SEQ = Llama.downcall("llama_n_ctx_seq", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // llama_memory_t llama_get_memory(const struct llama_context * ctx);
    private static final MethodHandle MODEL_N_CLS_OUT = Llama.downcall("llama_model_n_cls_out",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_GET_ADD_SEP = Llama.downcall("llama_vocab_get_add_sep",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    private static final MethodHandle GET_MEMORY = Llama.downcall("llama_get_memory", FunctionDescriptor.of(ADDRESS, ADDRESS));
    // bool llama_memory_seq_rm(llama_memory_t mem, llama_seq_id seq_id, llama_pos p0, llama_pos p1);
    private static final MethodHandle MEMORY_SEQ_RM = Llama.downcall("llama_memory_seq_rm",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    // void llama_memory_seq_cp(llama_memory_t mem, llama_seq_id seq_id_src, llama_seq_id seq_id_dst,
    //                         llama_pos p0, llama_pos p1);
    private static final MethodHandle MEMORY_SEQ_CP = Llama.downcall("llama_memory_seq_cp",
            FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    // int32_t llama_model_n_swa(const struct llama_model * model);
    private static final MethodHandle MODEL_N_SWA = Llama.downcall("llama_model_n_swa", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // bool llama_model_is_recurrent(const struct llama_model * model);
    private static final MethodHandle MODEL_IS_RECURRENT = Llama.downcall("llama_model_is_recurrent",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    // bool llama_model_is_hybrid(const struct llama_model * model);
    private static final MethodHandle MODEL_IS_HYBRID = Llama.downcall("llama_model_is_hybrid",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    // llama_pos llama_memory_seq_pos_min(llama_memory_t mem, llama_seq_id seq_id);
    private static final MethodHandle MEMORY_SEQ_POS_MIN = Llama.downcall("llama_memory_seq_pos_min",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // llama_pos llama_memory_seq_pos_max(llama_memory_t mem, llama_seq_id seq_id);
    private static final MethodHandle MEMORY_SEQ_POS_MAX = Llama.downcall("llama_memory_seq_pos_max",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // int32_t llama_set_adapters_lora(struct llama_context * ctx, struct llama_adapter_lora ** adapters,
    //                                 size_t n_adapters, float * scales);
    private static final MethodHandle SET_ADAPTERS_LORA = Llama.downcall("llama_set_adapters_lora",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    // struct llama_sampler * llama_sampler_init_penalties(int32_t n_vocab, int32_t penalty_last_n,
    //                                                     float penalty_repeat, float penalty_freq, float penalty_present);
    private static final MethodHandle INIT_PENALTIES = Llama.downcall("llama_sampler_init_penalties",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT));

    @Override
    public LlamaProfile profile() {
        return LlamaProfile.CURRENT;
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
            check.expectInt(model, MP_N_GPU_LAYERS, -1, "llama_model_params.n_gpu_layers");
            check.expectInt(model, MP_SPLIT_MODE, 1, "llama_model_params.split_mode");
            check.expectInt(model, MP_LOAD_MODE, LOAD_AUTO, "llama_model_params.load_mode");
            check.expectInt(model, MP_LAZY_MODE, 1, "llama_model_params.lazy_mode");
            check.expectByte(model, MP_VOCAB_ONLY, 0, "llama_model_params.vocab_only");
            check.expectByte(model, MP_CHECK_TENSORS, 0, "llama_model_params.check_tensors");
            check.expectByte(model, MP_USE_EXTRA_BUFTS, 1, "llama_model_params.use_extra_bufts");

            MemorySegment context = contextDefaults(LayoutCheck.canaryAllocator(arena, GUARDED_CONTEXT_PARAMS));
            check.guard(context, CONTEXT_PARAMS.byteSize(), "llama_context_params");
            check.expectInt(context, CP_N_CTX, 512, "llama_context_params.n_ctx");
            check.expectInt(context, CP_N_BATCH, 2048, "llama_context_params.n_batch");
            check.expectInt(context, CP_N_UBATCH, 512, "llama_context_params.n_ubatch");
            check.expectInt(context, CP_N_SEQ_MAX, 1, "llama_context_params.n_seq_max");
            check.expectInt(context, CP_ROPE_SCALING_TYPE, -1, "llama_context_params.rope_scaling_type");
            check.expectInt(context, CP_POOLING_TYPE, -1, "llama_context_params.pooling_type");
            check.expectInt(context, CP_FLASH_ATTN_TYPE, -1, "llama_context_params.flash_attn_type");
            check.expectFloat(context, CP_YARN_EXT_FACTOR, -1f, "llama_context_params.yarn_ext_factor");
            check.expectInt(context, CP_TYPE_K, Layouts.GGML_TYPE_F16, "llama_context_params.type_k");
            check.expectInt(context, CP_TYPE_V, Layouts.GGML_TYPE_F16, "llama_context_params.type_v");
            check.expectByte(context, CP_OFFLOAD_KQV, 1, "llama_context_params.offload_kqv");
            check.expectByte(context, CP_NO_PERF, 1, "llama_context_params.no_perf");
            check.expectByte(context, CP_KV_UNIFIED, 0, "llama_context_params.kv_unified");
            check.expectByte(context, CP_EMBEDDINGS, 0, "llama_context_params.embeddings");
        }
        return check.problems();
    }

    @Override
    public MemorySegment loadModel(Arena arena, MemorySegment path, LlamaModelHandle.Config config) {
        MemorySegment params = modelDefaults(arena).asSlice(0, MODEL_PARAMS.byteSize());
        params.set(JAVA_INT, MP_N_GPU_LAYERS, config.gpuLayers());
        int loadMode;
        if (config.mmap()) {
            // Mapping is the default; AUTO lets llama.cpp read instead where a device cannot use a mapping.
            loadMode = config.mlock() ? LOAD_MMAP_MLOCK : LOAD_AUTO;
        } else {
            loadMode = config.mlock() ? LOAD_MLOCK : LOAD_NONE;
        }
        params.set(JAVA_INT, MP_LOAD_MODE, loadMode);
        try {
            return (MemorySegment) MODEL_LOAD_FROM_FILE.invokeExact(path, params);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public MemorySegment createContext(Arena arena, MemorySegment model, LlamaContextHandle.Config config) {
        MemorySegment params = contextDefaults(arena).asSlice(0, CONTEXT_PARAMS.byteSize());
        params.set(JAVA_INT, CP_N_CTX, config.contextSize());
        params.set(JAVA_INT, CP_N_BATCH, config.batchSize());
        params.set(JAVA_INT, CP_N_UBATCH, config.batchSize());
        params.set(JAVA_INT, CP_N_SEQ_MAX, config.sequences());
        params.set(JAVA_INT, CP_N_THREADS, config.threads());
        params.set(JAVA_INT, CP_N_THREADS_BATCH, config.batchThreads());
        params.set(JAVA_INT, CP_FLASH_ATTN_TYPE, config.flashAttention() ? FLASH_ATTN_ENABLED : FLASH_ATTN_DISABLED);
        int type = config.cacheType().ggmlType();
        params.set(JAVA_INT, CP_TYPE_K, type);
        params.set(JAVA_INT, CP_TYPE_V, type);
        // Each sequence gets cells of its own (kv_unified false, the default): no fragmentation between them.
        params.set(JAVA_BYTE, CP_KV_UNIFIED, (byte) 0);
        if (config.embeddings()) {
            params.set(JAVA_BYTE, CP_EMBEDDINGS, (byte) 1);
            params.set(JAVA_INT, CP_POOLING_TYPE, config.pooling().id());
            // The texts of an embeddings batch share the cache, which is cleared after every batch: one text may
            // use all of it, where split cells would cap each at pad256(n_ctx / n_seq_max).
            params.set(JAVA_BYTE, CP_KV_UNIFIED, (byte) 1);
        }
        try {
            return (MemorySegment) INIT_FROM_MODEL.invokeExact(model, params);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public boolean ranks() {
        return true;
    }

    @Override
    public int classifierOutputs(MemorySegment model) {
        try {
            return (int) MODEL_N_CLS_OUT.invokeExact(model);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public boolean separatesPairs(MemorySegment vocab) {
        try {
            return (boolean) VOCAB_GET_ADD_SEP.invokeExact(vocab);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public Lock decodeLock(boolean embeddings) {
        return null;
    }

    @Override
    public boolean needsThreadpool() {
        // Built without OpenMP: see CpuThreadpool.
        return true;
    }

    @Override
    public boolean poolsNatively(boolean encoderOnly) {
        return true;
    }

    @Override
    public int cellsPerSequence(MemorySegment context) {
        try {
            return (int) N_CTX_SEQ.invokeExact(context);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    private static MemorySegment memory(MemorySegment context) {
        try {
            return (MemorySegment) GET_MEMORY.invokeExact(context);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public boolean removeCells(MemorySegment context, int sequence, int from, int to) {
        try {
            return (boolean) MEMORY_SEQ_RM.invokeExact(memory(context), sequence, from, to);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /**
     * Each sequence has a cache stream of its own here, and a copy between streams must take the whole stream
     * ({@code GGML_ASSERT(is_full)} aborts on a range): copy it all (the buffers move at the next decode), then
     * drop what lies past {@code length}.
     */
    @Override
    public void copyCells(MemorySegment context, int from, int to, int length) {
        MemorySegment memory = memory(context);
        try {
            MEMORY_SEQ_CP.invokeExact(memory, from, to, -1, -1);
            boolean removed = (boolean) MEMORY_SEQ_RM.invokeExact(memory, to, length, -1);
            if (!removed) {
                throw new LlamaCallException("llama.cpp refused to trim the copied cells of sequence " + to);
            }
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public String stateUnsupported(MemorySegment model) {
        try {
            if ((boolean) MODEL_IS_RECURRENT.invokeExact(model) || (boolean) MODEL_IS_HYBRID.invokeExact(model)) {
                return "the model has recurrent layers, whose state is not a KV cache";
            }
            if ((int) MODEL_N_SWA.invokeExact(model) > 0) {
                return "the model has sliding-window attention, whose state holds a second KV cache";
            }
            return null;
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    /** A magic number, the sequence id and a stream count first; per cell its position, one sequence id count (1) and the id. */
    @Override
    public StateLayout stateLayout() {
        return new StateLayout(8, true, 12, 1);
    }

    /** Nothing to do: this release compacts the cache inside {@code llama_decode}. */
    @Override
    public void compact(MemorySegment context) {
    }

    @Override
    public int usedCells(MemorySegment context, int sequences) {
        MemorySegment memory = memory(context);
        int used = 0;
        try {
            for (int sequence = 0; sequence < sequences; sequence++) {
                int max = (int) MEMORY_SEQ_POS_MAX.invokeExact(memory, sequence);
                if (max >= 0) {
                    int min = (int) MEMORY_SEQ_POS_MIN.invokeExact(memory, sequence);
                    used += max - min + 1;
                }
            }
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
        return used;
    }

    @Override
    public int setAdapters(MemorySegment context, Map<MemorySegment, Float> previous, Map<MemorySegment, Float> next) {
        try (Arena arena = Arena.ofConfined()) {
            int n = next.size();
            MemorySegment adapters = MemorySegment.NULL;
            MemorySegment scales = MemorySegment.NULL;
            if (n > 0) {
                // NULL arrays with n > 0 abort this release; they are never NULL here.
                adapters = arena.allocate(ADDRESS, n);
                scales = arena.allocate(JAVA_FLOAT, n);
                int i = 0;
                for (Map.Entry<MemorySegment, Float> entry : next.entrySet()) {
                    adapters.setAtIndex(ADDRESS, i, entry.getKey());
                    scales.setAtIndex(JAVA_FLOAT, i, entry.getValue());
                    i++;
                }
            }
            return (int) SET_ADAPTERS_LORA.invokeExact(context, adapters, (long) n, scales);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public MemorySegment penaltiesSampler(int vocabSize, int lastN, float repeat, float frequency, float presence) {
        try {
            return (MemorySegment) INIT_PENALTIES.invokeExact(vocabSize, lastN, repeat, frequency, presence);
        } catch (Throwable t) {
            throw Llama.rethrow(t);
        }
    }

    @Override
    public String describeDecodeCode(int code) {
        return switch (code) {
            case 1 -> "no KV cache room left for the batch";
            case 2 -> "aborted";
            case -1 -> "invalid input batch";
            default -> code < 0 ? "fatal error" : "warning";
        };
    }

    /** No: this release already compacts before it reports that no room is left. */
    @Override
    public boolean retryAfterCompacting(int code) {
        return false;
    }
}
