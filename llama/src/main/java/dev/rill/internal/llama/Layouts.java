package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The C structs and constants that both supported llama.cpp releases lay out alike. The parameter structs,
 * which differ, belong to each {@link ProfileBinding}.
 */
final class Layouts {
    private Layouts() {
    }

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
