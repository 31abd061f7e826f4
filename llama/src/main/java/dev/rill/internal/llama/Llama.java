package dev.rill.internal.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;

/**
 * The functions of llama.cpp's C API that both supported releases (tag b4916 and the current release) export
 * with the same signature, one static method per C function, each a {@code static final} downcall invoked
 * exactly. What differs between the releases lives in the {@link ProfileBinding} of each. This class checks nothing: the owners ({@link LlamaModelHandle},
 * {@link LlamaContextHandle}) check arguments before and return codes after.
 *
 * <p>Only touch this class after {@link LlamaRuntime#initialize} succeeded: its static initializer links
 * against the library that call loaded. No downcall is marked critical, because llama.cpp may log (and so
 * call back into Java) from almost any function.
 */
final class Llama {
    private Llama() {
    }

    private static final Linker LINKER = Linker.nativeLinker();

    static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LlamaRuntime.symbols().findOrThrow(name), descriptor);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // void llama_backend_init(void);
    private static final MethodHandle BACKEND_INIT = downcall("llama_backend_init", FunctionDescriptor.ofVoid());

    static void backendInit() {
        try {
            BACKEND_INIT.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // void llama_log_set(ggml_log_callback log_callback, void * user_data);
    private static final MethodHandle LOG_SET = downcall("llama_log_set", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));

    static void logSet(MemorySegment callback, MemorySegment userData) {
        try {
            LOG_SET.invokeExact(callback, userData);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // void llama_model_free(struct llama_model * model);
    private static final MethodHandle MODEL_FREE = downcall("llama_model_free", FunctionDescriptor.ofVoid(ADDRESS));

    static void modelFree(MemorySegment model) {
        try {
            MODEL_FREE.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // void llama_free(struct llama_context * ctx);
    private static final MethodHandle FREE = downcall("llama_free", FunctionDescriptor.ofVoid(ADDRESS));

    static void free(MemorySegment context) {
        try {
            FREE.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // const struct llama_vocab * llama_model_get_vocab(const struct llama_model * model);
    private static final MethodHandle MODEL_GET_VOCAB = downcall("llama_model_get_vocab",
            FunctionDescriptor.of(ADDRESS, ADDRESS));

    static MemorySegment modelGetVocab(MemorySegment model) {
        try {
            return (MemorySegment) MODEL_GET_VOCAB.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_vocab_n_tokens(const struct llama_vocab * vocab);
    private static final MethodHandle VOCAB_N_TOKENS = downcall("llama_vocab_n_tokens", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    static int vocabNTokens(MemorySegment vocab) {
        try {
            return (int) VOCAB_N_TOKENS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_model_n_ctx_train(const struct llama_model * model);
    private static final MethodHandle MODEL_N_CTX_TRAIN = downcall("llama_model_n_ctx_train", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int32_t llama_model_n_embd(const struct llama_model * model);
    private static final MethodHandle MODEL_N_EMBD = downcall("llama_model_n_embd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int32_t llama_model_n_layer(const struct llama_model * model);
    private static final MethodHandle MODEL_N_LAYER = downcall("llama_model_n_layer", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int32_t llama_model_n_head(const struct llama_model * model);
    private static final MethodHandle MODEL_N_HEAD = downcall("llama_model_n_head", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int32_t llama_model_n_head_kv(const struct llama_model * model);
    private static final MethodHandle MODEL_N_HEAD_KV = downcall("llama_model_n_head_kv", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    static int modelNCtxTrain(MemorySegment model) {
        try {
            return (int) MODEL_N_CTX_TRAIN.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int modelNEmbd(MemorySegment model) {
        try {
            return (int) MODEL_N_EMBD.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int modelNLayer(MemorySegment model) {
        try {
            return (int) MODEL_N_LAYER.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int modelNHead(MemorySegment model) {
        try {
            return (int) MODEL_N_HEAD.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int modelNHeadKv(MemorySegment model) {
        try {
            return (int) MODEL_N_HEAD_KV.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // uint64_t llama_model_size(const struct llama_model * model);
    private static final MethodHandle MODEL_SIZE = downcall("llama_model_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    // uint64_t llama_model_n_params(const struct llama_model * model);
    private static final MethodHandle MODEL_N_PARAMS = downcall("llama_model_n_params", FunctionDescriptor.of(JAVA_LONG, ADDRESS));

    static long modelSize(MemorySegment model) {
        try {
            return (long) MODEL_SIZE.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long modelNParams(MemorySegment model) {
        try {
            return (long) MODEL_N_PARAMS.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_model_desc(const struct llama_model * model, char * buf, size_t buf_size);
    private static final MethodHandle MODEL_DESC = downcall("llama_model_desc",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));

    static int modelDesc(MemorySegment model, MemorySegment buf, long size) {
        try {
            return (int) MODEL_DESC.invokeExact(model, buf, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // const char * llama_model_chat_template(const struct llama_model * model, const char * name);
    private static final MethodHandle MODEL_CHAT_TEMPLATE = downcall("llama_model_chat_template",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));

    static MemorySegment modelChatTemplate(MemorySegment model, MemorySegment name) {
        try {
            return (MemorySegment) MODEL_CHAT_TEMPLATE.invokeExact(model, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_model_meta_count(const struct llama_model * model);
    private static final MethodHandle MODEL_META_COUNT = downcall("llama_model_meta_count", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    // int32_t llama_model_meta_key_by_index(const struct llama_model * model, int32_t i, char * buf, size_t buf_size);
    private static final MethodHandle MODEL_META_KEY_BY_INDEX = downcall("llama_model_meta_key_by_index",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
    // int32_t llama_model_meta_val_str_by_index(const struct llama_model * model, int32_t i, char * buf, size_t buf_size);
    private static final MethodHandle MODEL_META_VAL_STR_BY_INDEX = downcall("llama_model_meta_val_str_by_index",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));

    static int modelMetaCount(MemorySegment model) {
        try {
            return (int) MODEL_META_COUNT.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int modelMetaKeyByIndex(MemorySegment model, int i, MemorySegment buf, long size) {
        try {
            return (int) MODEL_META_KEY_BY_INDEX.invokeExact(model, i, buf, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int modelMetaValStrByIndex(MemorySegment model, int i, MemorySegment buf, long size) {
        try {
            return (int) MODEL_META_VAL_STR_BY_INDEX.invokeExact(model, i, buf, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // llama_token llama_vocab_bos(const struct llama_vocab * vocab);  (and eos, eot, nl, pad)
    private static final MethodHandle VOCAB_BOS = downcall("llama_vocab_bos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_EOS = downcall("llama_vocab_eos", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_EOT = downcall("llama_vocab_eot", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_NL = downcall("llama_vocab_nl", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle VOCAB_PAD = downcall("llama_vocab_pad", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    static int vocabBos(MemorySegment vocab) {
        try {
            return (int) VOCAB_BOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int vocabEos(MemorySegment vocab) {
        try {
            return (int) VOCAB_EOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int vocabEot(MemorySegment vocab) {
        try {
            return (int) VOCAB_EOT.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int vocabNl(MemorySegment vocab) {
        try {
            return (int) VOCAB_NL.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int vocabPad(MemorySegment vocab) {
        try {
            return (int) VOCAB_PAD.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // bool llama_vocab_is_eog(const struct llama_vocab * vocab, llama_token token);
    private static final MethodHandle VOCAB_IS_EOG = downcall("llama_vocab_is_eog",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS, JAVA_INT));

    static boolean vocabIsEog(MemorySegment vocab, int token) {
        try {
            return (boolean) VOCAB_IS_EOG.invokeExact(vocab, token);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // bool llama_vocab_get_add_bos(const struct llama_vocab * vocab);
    private static final MethodHandle VOCAB_GET_ADD_BOS = downcall("llama_vocab_get_add_bos",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));

    static boolean vocabGetAddBos(MemorySegment vocab) {
        try {
            return (boolean) VOCAB_GET_ADD_BOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // bool llama_vocab_get_add_eos(const struct llama_vocab * vocab);
    private static final MethodHandle VOCAB_GET_ADD_EOS = downcall("llama_vocab_get_add_eos",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));

    static boolean vocabGetAddEos(MemorySegment vocab) {
        try {
            return (boolean) VOCAB_GET_ADD_EOS.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // llama_token llama_vocab_sep(const struct llama_vocab * vocab);
    private static final MethodHandle VOCAB_SEP = downcall("llama_vocab_sep", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    static int vocabSep(MemorySegment vocab) {
        try {
            return (int) VOCAB_SEP.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // enum llama_vocab_type llama_vocab_type(const struct llama_vocab * vocab);
    private static final MethodHandle VOCAB_TYPE = downcall("llama_vocab_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    /** {@code LLAMA_VOCAB_TYPE_WPM}: BERT's WordPiece. */
    static final int VOCAB_TYPE_WPM = 3;

    static int vocabType(MemorySegment vocab) {
        try {
            return (int) VOCAB_TYPE.invokeExact(vocab);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_tokenize(const struct llama_vocab * vocab, const char * text, int32_t text_len,
    //                        llama_token * tokens, int32_t n_tokens_max, bool add_special, bool parse_special);
    private static final MethodHandle TOKENIZE = downcall("llama_tokenize", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));

    static int tokenize(MemorySegment vocab, MemorySegment text, int textLength, MemorySegment tokens, int maxTokens,
                        boolean addSpecial, boolean parseSpecial) {
        try {
            return (int) TOKENIZE.invokeExact(vocab, text, textLength, tokens, maxTokens, addSpecial, parseSpecial);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_token_to_piece(const struct llama_vocab * vocab, llama_token token, char * buf, int32_t length,
    //                              int32_t lstrip, bool special);
    private static final MethodHandle TOKEN_TO_PIECE = downcall("llama_token_to_piece", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_BOOLEAN));

    static int tokenToPiece(MemorySegment vocab, int token, MemorySegment buf, int length, int lstrip, boolean special) {
        try {
            return (int) TOKEN_TO_PIECE.invokeExact(vocab, token, buf, length, lstrip, special);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_detokenize(const struct llama_vocab * vocab, const llama_token * tokens, int32_t n_tokens,
    //                          char * text, int32_t text_len_max, bool remove_special, bool unparse_special);
    private static final MethodHandle DETOKENIZE = downcall("llama_detokenize", FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_BOOLEAN, JAVA_BOOLEAN));

    static int detokenize(MemorySegment vocab, MemorySegment tokens, int count, MemorySegment text, int maxLength,
                          boolean removeSpecial, boolean unparseSpecial) {
        try {
            return (int) DETOKENIZE.invokeExact(vocab, tokens, count, text, maxLength, removeSpecial, unparseSpecial);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_chat_apply_template(const char * tmpl, const struct llama_chat_message * chat, size_t n_msg,
    //                                   bool add_ass, char * buf, int32_t length);
    private static final MethodHandle CHAT_APPLY_TEMPLATE = downcall("llama_chat_apply_template", FunctionDescriptor.of(
            JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_BOOLEAN, ADDRESS, JAVA_INT));

    static int chatApplyTemplate(MemorySegment template, MemorySegment chat, long count, boolean addAssistant,
                                 MemorySegment buf, int length) {
        try {
            return (int) CHAT_APPLY_TEMPLATE.invokeExact(template, chat, count, addAssistant, buf, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_decode(struct llama_context * ctx, struct llama_batch batch);
    private static final MethodHandle DECODE = downcall("llama_decode", FunctionDescriptor.of(JAVA_INT, ADDRESS, Layouts.BATCH));

    static int decode(MemorySegment context, MemorySegment batch) {
        try {
            return (int) DECODE.invokeExact(context, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // float * llama_get_logits_ith(struct llama_context * ctx, int32_t i);
    private static final MethodHandle GET_LOGITS_ITH = downcall("llama_get_logits_ith",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));

    static MemorySegment getLogitsIth(MemorySegment context, int i) {
        try {
            return (MemorySegment) GET_LOGITS_ITH.invokeExact(context, i);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // int32_t llama_encode(struct llama_context * ctx, struct llama_batch batch);
    private static final MethodHandle ENCODE = downcall("llama_encode", FunctionDescriptor.of(JAVA_INT, ADDRESS, Layouts.BATCH));

    static int encode(MemorySegment context, MemorySegment batch) {
        try {
            return (int) ENCODE.invokeExact(context, batch);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // float * llama_get_embeddings_ith(struct llama_context * ctx, int32_t i);
    private static final MethodHandle GET_EMBEDDINGS_ITH = downcall("llama_get_embeddings_ith",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));

    static MemorySegment getEmbeddingsIth(MemorySegment context, int i) {
        try {
            return (MemorySegment) GET_EMBEDDINGS_ITH.invokeExact(context, i);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // float * llama_get_embeddings_seq(struct llama_context * ctx, llama_seq_id seq_id);
    private static final MethodHandle GET_EMBEDDINGS_SEQ = downcall("llama_get_embeddings_seq",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));

    static MemorySegment getEmbeddingsSeq(MemorySegment context, int sequence) {
        try {
            return (MemorySegment) GET_EMBEDDINGS_SEQ.invokeExact(context, sequence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // enum llama_pooling_type llama_pooling_type(const struct llama_context * ctx);
    private static final MethodHandle POOLING_TYPE = downcall("llama_pooling_type", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    static int poolingType(MemorySegment context) {
        try {
            return (int) POOLING_TYPE.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // bool llama_model_has_encoder(const struct llama_model * model);
    private static final MethodHandle MODEL_HAS_ENCODER = downcall("llama_model_has_encoder",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));
    // bool llama_model_has_decoder(const struct llama_model * model);
    private static final MethodHandle MODEL_HAS_DECODER = downcall("llama_model_has_decoder",
            FunctionDescriptor.of(JAVA_BOOLEAN, ADDRESS));

    static boolean modelHasEncoder(MemorySegment model) {
        try {
            return (boolean) MODEL_HAS_ENCODER.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static boolean modelHasDecoder(MemorySegment model) {
        try {
            return (boolean) MODEL_HAS_DECODER.invokeExact(model);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // struct llama_adapter_lora * llama_adapter_lora_init(struct llama_model * model, const char * path_lora);
    private static final MethodHandle ADAPTER_LORA_INIT = downcall("llama_adapter_lora_init",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    // void llama_adapter_lora_free(struct llama_adapter_lora * adapter);
    private static final MethodHandle ADAPTER_LORA_FREE = downcall("llama_adapter_lora_free", FunctionDescriptor.ofVoid(ADDRESS));
    static MemorySegment adapterLoraInit(MemorySegment model, MemorySegment path) {
        try {
            return (MemorySegment) ADAPTER_LORA_INIT.invokeExact(model, path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void adapterLoraFree(MemorySegment adapter) {
        try {
            ADAPTER_LORA_FREE.invokeExact(adapter);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // uint32_t llama_n_ctx(const struct llama_context * ctx);  (and n_batch, n_ubatch, n_seq_max)
    private static final MethodHandle N_CTX = downcall("llama_n_ctx", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_BATCH = downcall("llama_n_batch", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_SEQ_MAX = downcall("llama_n_seq_max", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle N_UBATCH = downcall("llama_n_ubatch", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    static int nUbatch(MemorySegment context) {
        try {
            return (int) N_UBATCH.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int nCtx(MemorySegment context) {
        try {
            return (int) N_CTX.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int nBatch(MemorySegment context) {
        try {
            return (int) N_BATCH.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int nSeqMax(MemorySegment context) {
        try {
            return (int) N_SEQ_MAX.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // bool llama_supports_gpu_offload(void);
    private static final MethodHandle SUPPORTS_GPU_OFFLOAD = downcall("llama_supports_gpu_offload",
            FunctionDescriptor.of(JAVA_BOOLEAN));

    static boolean supportsGpuOffload() {
        try {
            return (boolean) SUPPORTS_GPU_OFFLOAD.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // const char * llama_print_system_info(void);
    private static final MethodHandle PRINT_SYSTEM_INFO = downcall("llama_print_system_info", FunctionDescriptor.of(ADDRESS));

    static MemorySegment printSystemInfo() {
        try {
            return (MemorySegment) PRINT_SYSTEM_INFO.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // size_t llama_state_seq_get_size(struct llama_context * ctx, llama_seq_id seq_id);
    private static final MethodHandle STATE_SEQ_GET_SIZE = downcall("llama_state_seq_get_size",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_INT));
    // size_t llama_state_seq_get_data(struct llama_context * ctx, uint8_t * dst, size_t size, llama_seq_id seq_id);
    private static final MethodHandle STATE_SEQ_GET_DATA = downcall("llama_state_seq_get_data",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    // size_t llama_state_seq_set_data(struct llama_context * ctx, const uint8_t * src, size_t size,
    //                                 llama_seq_id dest_seq_id);
    private static final MethodHandle STATE_SEQ_SET_DATA = downcall("llama_state_seq_set_data",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));

    static long stateSeqGetSize(MemorySegment context, int sequence) {
        try {
            return (long) STATE_SEQ_GET_SIZE.invokeExact(context, sequence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long stateSeqGetData(MemorySegment context, MemorySegment target, long size, int sequence) {
        try {
            return (long) STATE_SEQ_GET_DATA.invokeExact(context, target, size, sequence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long stateSeqSetData(MemorySegment context, MemorySegment source, long size, int sequence) {
        try {
            return (long) STATE_SEQ_SET_DATA.invokeExact(context, source, size, sequence);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code const char * llama_version(void)}: the current release only; look it up before calling. */
    static String version() {
        try {
            MethodHandle handle = downcall("llama_version", FunctionDescriptor.of(ADDRESS));
            MemorySegment text = (MemorySegment) handle.invokeExact();
            return text.equals(MemorySegment.NULL) ? "current" : text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
