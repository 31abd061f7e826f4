package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The C structs of llama.cpp b4916 that cross the boundary by value, with field offsets as constants.
 * Offsets are checked at start-up against the defaults the library writes ({@link LayoutCheck}).
 */
final class Layouts {
    private Layouts() {
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
    static final long CP_YARN_EXT_FACTOR = 44;
    static final long CP_YARN_ATTN_FACTOR = 48;
    static final long CP_YARN_BETA_FAST = 52;
    static final long CP_YARN_BETA_SLOW = 56;
    static final long CP_DEFRAG_THOLD = 64;
    static final long CP_TYPE_K = 88;
    static final long CP_TYPE_V = 92;
    static final long CP_OFFLOAD_KQV = 98;
    static final long CP_FLASH_ATTN = 99;
    static final long CP_NO_PERF = 100;

    /** {@code struct llama_batch}, 56 bytes. */
    static final StructLayout BATCH = MemoryLayout.structLayout(
            JAVA_INT.withName("n_tokens"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("token"),
            ADDRESS.withName("embd"),
            ADDRESS.withName("pos"),
            ADDRESS.withName("n_seq_id"),
            ADDRESS.withName("seq_id"),
            ADDRESS.withName("logits"));

    static final long B_N_TOKENS = 0;
    static final long B_TOKEN = 8;
    static final long B_EMBD = 16;
    static final long B_POS = 24;
    static final long B_N_SEQ_ID = 32;
    static final long B_SEQ_ID = 40;
    static final long B_LOGITS = 48;

    /** {@code struct llama_chat_message}: two C strings. */
    static final StructLayout CHAT_MESSAGE = MemoryLayout.structLayout(
            ADDRESS.withName("role"),
            ADDRESS.withName("content"));

    /** ggml's type codes for the KV cache ({@code enum ggml_type}). */
    static final int GGML_TYPE_F32 = 0;
    static final int GGML_TYPE_F16 = 1;
    static final int GGML_TYPE_Q8_0 = 8;
}
