package dev.rill.internal.llama;

import dev.rill.internal.gguf.GgmlTypes;
import dev.rill.internal.gguf.GgufHeader;
import dev.rill.llama.LlamaProfile;

/**
 * Checks a model's GGUF metadata and tensor types for values on which llama.cpp ends the process instead of
 * failing the load, each found by the mutation runs ({@code HostileModelsTest}, {@code HostileTensorsTest}) or a
 * search by hand (docs/reliability.md). The file is refused with the
 * key and the value before llama.cpp sees it.
 */
final class ModelCheck {
    /** llama.cpp's LLAMA_MAX_LAYERS (both releases). */
    static final int MAX_LAYERS = 512;

    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int ARRAY = 9;
    /** The rope scaling names both releases know ({@code LLAMA_ROPE_SCALING_TYPES}). */
    static final java.util.List<String> ROPE_SCALING_TYPES = java.util.List.of("none", "linear", "yarn", "longrope");
    /** llama.cpp's LLAMA_MAX_EXPERTS: 1024 in the current release, 256 in b4916. */
    static final int MAX_EXPERTS = 1024;
    static final int MAX_EXPERTS_B4916 = 256;
    /** llama.cpp's LLAMA_TOKEN_TYPE_BYTE. */
    private static final int BYTE_TOKEN = 6;

    private ModelCheck() {
    }

    static void check(GgufHeader header) {
        // b4916 reads it with gguf_get_val_u32, which aborts (GGML_ASSERT in gguf.cpp) on another type.
        Integer fileType = header.metadataTypes().get("general.file_type");
        if (fileType != null && fileType != UINT32) {
            throw refuse(header, "general.file_type has GGUF value type " + fileType + ", not UINT32 (4); llama.cpp"
                    + " b4916 aborts the process on it");
        }
        checkTensorTypes(header);
        String architecture = header.string("general.architecture").orElse(null);
        if (architecture != null) {
            // llama_model::load_hparams: GGML_ASSERT(n_layer > 0 && n_layer <= LLAMA_MAX_LAYERS) on the current
            // release; b4916 asserts on 0 (and refuses more than 512).
            if (header.metadata().get(architecture + ".block_count") instanceof Long layers
                    && (layers < 1 || layers > MAX_LAYERS)) {
                throw refuse(header, architecture + ".block_count is " + layers + "; llama.cpp takes 1 to " + MAX_LAYERS
                        + " layers and aborts the process on other values");
            }
            // ggml's norm operations: GGML_ASSERT(eps >= 0.0f) at the first decode.
            for (String key : new String[] {".attention.layer_norm_rms_epsilon", ".attention.layer_norm_epsilon"}) {
                if (header.metadata().get(architecture + key) instanceof Double eps && !(eps >= 0)) {
                    throw refuse(header, architecture + key + " is " + eps + "; ggml's normalization aborts the process"
                            + " on an epsilon that is negative or NaN");
                }
            }
            checkExperts(header, architecture);
            // llama_model::load_hparams: GGML_ASSERT(rope_scaling_type_train != LLAMA_ROPE_SCALING_TYPE_UNSPECIFIED)
            // for a name it does not know (src/llama-model.cpp:1318 current; both releases).
            Object scaling = header.metadata().get(architecture + ".rope.scaling.type");
            if (scaling instanceof String name && !ROPE_SCALING_TYPES.contains(name)) {
                throw refuse(header, architecture + ".rope.scaling.type is '" + name + "'; llama.cpp knows "
                        + String.join(", ", ROPE_SCALING_TYPES) + " and aborts the process on another name");
            }
        }
        // The current release refuses these forms of the vocabulary (llama_vocab::impl::load); b4916 aborts on a
        // token list that is not an array and reads past the end of scores or token types shorter than it.
        Integer tokensType = header.metadataTypes().get("tokenizer.ggml.tokens");
        if (tokensType == null) {
            return;
        }
        GgufHeader.ArrayInfo tokens = header.arrays().get("tokenizer.ggml.tokens");
        if (tokensType != ARRAY || tokens.elementType() != GgufHeader.STRING) {
            throw refuse(header, "tokenizer.ggml.tokens is not an array of strings");
        }
        checkParallel(header, tokens, "tokenizer.ggml.scores", GgufHeader.FLOAT32, INT32);
        checkParallel(header, tokens, "tokenizer.ggml.token_type", INT32, INT32);
        checkWordPieceBytes(header);
    }

    /**
     * A tensor of an integer type, F64, Q8_1 or Q8_K: llama.cpp loads it, and the first decode ends the process. A
     * weight matrix's product calls a null function pointer (SIGSEGV at pc 0, both releases), token embeddings fail
     * {@code GGML_ASSERT(*cur_backend_id != -1)} ({@code ggml/src/ggml-backend.cpp:1294} current: no backend takes
     * the row lookup), a norm weight aborts. No model stores its weights so; found by the tensor-table mutation run
     * ({@code HostileTensorsTest}).
     */
    private static void checkTensorTypes(GgufHeader header) {
        for (GgufHeader.TensorInfo tensor : header.tensors()) {
            // A type id neither Rill nor llama.cpp knows is llama.cpp's to refuse, which it does cleanly.
            if (GgmlTypes.knownNotMultipliable(tensor.type())) {
                throw refuse(header, "tensor " + tensor.name() + " has type " + GgmlTypes.name(tensor.type())
                        + ", which llama.cpp cannot compute with; it ends the process at the first decode");
            }
        }
    }

    /**
     * llama_model::load_hparams asserts {@code n_expert_used <= n_expert}, and {@code n_expert_used > 0} when there
     * are experts and {@code == 0} when there are none (both releases, found by hand and by the added-keys run of
     * {@code HostileModelsTest}: {@code src/llama-model.cpp:1260-1262} current, {@code :436} b4916); an
     * {@code expert_used_count} that is absent is 0. The most experts, which differs by release, is checked in
     * {@link #checkFor}.
     */
    private static void checkExperts(GgufHeader header, String architecture) {
        Object count = header.metadata().get(architecture + ".expert_count");
        Object used = header.metadata().get(architecture + ".expert_used_count");
        boolean usedGiven = header.metadataTypes().containsKey(architecture + ".expert_used_count");
        boolean countGiven = header.metadataTypes().containsKey(architecture + ".expert_count");
        if (usedGiven && !(used instanceof Long) || countGiven && !(count instanceof Long)) {
            return; // an array per layer (newer models) or another form: llama.cpp's to judge
        }
        long experts = count instanceof Long n ? n : 0;
        long chosen = used instanceof Long u ? u : 0; // absent: llama.cpp reads 0
        if (chosen > experts || (experts > 0 && chosen == 0)) {
            throw refuse(header, architecture + ".expert_used_count is " + chosen + " for " + experts + " experts ("
                    + architecture + ".expert_count); llama.cpp aborts the process unless 1 <= used <= experts, or"
                    + " both are 0");
        }
    }

    /**
     * A WordPiece vocabulary ({@code tokenizer.ggml.model} "bert") with a token of type BYTE: llama.cpp builds the
     * text of every token at load, and for a BYTE token of a WordPiece vocabulary {@code token_to_byte} aborts
     * ({@code GGML_ABORT("fatal error")}, {@code src/llama-vocab.cpp:3163} current; b4916 too). Found by the
     * mutation run. The token types are read only for such a vocabulary.
     */
    private static void checkWordPieceBytes(GgufHeader header) {
        if (!"bert".equals(header.string("tokenizer.ggml.model").orElse(null))
                || !header.arrays().containsKey("tokenizer.ggml.token_type")) {
            return;
        }
        GgufHeader.ArrayInfo types;
        try {
            types = GgufHeader.readWithArrays(header.path()).arrays().get("tokenizer.ggml.token_type");
        } catch (java.io.IOException e) {
            throw new LlamaFileException(header.path(), "Model file " + header.path() + " cannot be read: " + e.getMessage());
        }
        for (int i = 0; i < types.values().size(); i++) {
            if (types.values().get(i) instanceof Number type && type.intValue() == BYTE_TOKEN) {
                throw refuse(header, "token " + i + " of the WordPiece (bert) vocabulary has type BYTE (6); llama.cpp"
                        + " aborts the process on it while loading the vocabulary");
            }
        }
    }

    private static void checkParallel(GgufHeader header, GgufHeader.ArrayInfo tokens, String key, int type, int orType) {
        Integer kvType = header.metadataTypes().get(key);
        if (kvType == null) {
            return;
        }
        GgufHeader.ArrayInfo array = header.arrays().get(key);
        if (kvType != ARRAY || (array.elementType() != type && array.elementType() != orType)) {
            throw refuse(header, key + " is not an array of " + (type == orType ? "INT32" : "FLOAT32 or INT32"));
        }
        if (array.length() < tokens.length()) {
            throw refuse(header, key + " has " + array.length() + " entries for " + tokens.length() + " tokens");
        }
    }

    /**
     * What only one release crashes on, checked once the release is known.
     *
     * <p>b4916 makes every 6th layer of a gemma3 model its global-attention layer and the others sliding-window
     * ones; a model of fewer than 6 layers has no global layer, so the global attention mask is never allocated and
     * setting it at the first decode dereferences a null buffer (SIGSEGV in {@code ggml_backend_buffer_get_type};
     * measured: 5 layers crash, 6 generate). The current release reads the pattern from the file.
     */
    static void checkFor(LlamaProfile profile, GgufHeader header) {
        String architecture = header.string("general.architecture").orElse("");
        // GGML_ASSERT(hparams.n_expert <= LLAMA_MAX_EXPERTS) in llama_model::load_hparams (current:
        // src/llama-model.cpp:1259).
        int maxExperts = profile == LlamaProfile.B4916 ? MAX_EXPERTS_B4916 : MAX_EXPERTS;
        if (header.metadata().get(architecture + ".expert_count") instanceof Long experts && experts > maxExperts) {
            throw refuse(header, architecture + ".expert_count is " + experts + "; llama.cpp " + profile.label()
                    + " takes at most " + maxExperts + " experts and aborts the process on more");
        }
        if (profile == LlamaProfile.B4916 && "gemma3".equals(header.string("general.architecture").orElse(null))
                && header.metadata().get("gemma3.block_count") instanceof Long layers && layers < 6) {
            throw refuse(header, "gemma3.block_count is " + layers + "; llama.cpp b4916 crashes the process on a gemma3"
                    + " model of fewer than 6 layers (it has no global-attention layer); the current profile loads it");
        }
    }

    private static LlamaFileException refuse(GgufHeader header, String reason) {
        return new LlamaFileException(header.path(), "Model file " + header.path() + " cannot be loaded safely: "
                + reason);
    }
}
