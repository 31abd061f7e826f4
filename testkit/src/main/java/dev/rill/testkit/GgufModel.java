package dev.rill.testkit;

import dev.rill.gguf.GgufWriter;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A model of any {@link Architecture} to write as GGUF: architecture, shape, vocabulary, weights and an optional
 * chat template. The architecture decides the metadata keys and the tensors (see {@link Architecture}); matrices
 * are stored as {@code weightType}, norm weights and expert routers as F32.
 *
 * @param name         the {@code general.name}; llama.cpp expects Phi-3's special tokens in a vocabulary whose
 *                     model's name contains {@code phi3} or {@code phi-3}, so such names are refused unless the
 *                     vocabulary has {@code <|endoftext|>}
 * @param vocabulary   written as an SPM ({@code llama}) tokenizer; its size must be the shape's vocabulary size
 * @param chatTemplate the {@code tokenizer.chat_template}, or null for none
 * @param poolingType  the {@code <arch>.pooling_type} (llama.cpp's enum: 0 none, 1 mean, 2 CLS, 3 last), or
 *                     null to write none, as generation models do
 * @param causal       the {@code <arch>.attention.causal}, or null to write none (causal)
 */
public record GgufModel(String name, Architecture architecture, ModelShape shape, Vocabulary vocabulary,
                        GgmlType weightType, String chatTemplate, Weights weights, Integer poolingType,
                        Boolean causal) {

    /** A model whose metadata names no pooling and no attention kind, as generation models' do. */
    public GgufModel(String name, Architecture architecture, ModelShape shape, Vocabulary vocabulary,
                     GgmlType weightType, String chatTemplate, Weights weights) {
        this(name, architecture, shape, vocabulary, weightType, chatTemplate, weights, null, null);
    }

    private static final String PHI3_END_OF_TEXT = "<|endoftext|>";

    /** Supplies the values of each tensor. */
    @FunctionalInterface
    public interface Weights {
        /** The rows of tensor {@code tensorName}, whose ggml dims are {@code dims}. */
        GgufWriter.RowSource rows(String tensorName, long[] dims);
    }

    public GgufModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(weightType, "weightType");
        Objects.requireNonNull(weights, "weights");
        if (vocabulary.size() != shape.vocabularySize()) {
            throw new IllegalArgumentException("the vocabulary has " + vocabulary.size()
                    + " tokens but the shape's vocabularySize is " + shape.vocabularySize());
        }
        architecture.check(shape);
        String lowerName = name.toLowerCase(Locale.ROOT);
        if ((lowerName.contains("phi3") || lowerName.contains("phi-3"))
                && vocabulary.tokens().stream().noneMatch(token -> token.text().equals(PHI3_END_OF_TEXT))) {
            throw new IllegalArgumentException("llama.cpp fails to load a model named '" + name + "' unless its "
                    + "vocabulary has the token " + PHI3_END_OF_TEXT + " (it treats names with phi3 or phi-3 as "
                    + "Phi-3's tokenizer); choose another name");
        }
    }

    /** This model with another chat template (null for none). */
    public GgufModel withChatTemplate(String template) {
        return new GgufModel(name, architecture, shape, vocabulary, weightType, template, weights, poolingType, causal);
    }

    /**
     * This model with {@code <arch>.pooling_type} set, as embedding models have it: llama.cpp's enum value,
     * 0 none, 1 mean, 2 CLS, 3 last.
     */
    public GgufModel withPoolingType(int type) {
        if (type < 0 || type > 4) {
            throw new IllegalArgumentException("pooling type must be 0 to 4 (none, mean, CLS, last, rank), was " + type);
        }
        return new GgufModel(name, architecture, shape, vocabulary, weightType, chatTemplate, weights, type, causal);
    }

    /** This model with {@code <arch>.attention.causal} set (false: every token sees every other, as in BERT). */
    public GgufModel withCausalAttention(boolean causalAttention) {
        return new GgufModel(name, architecture, shape, vocabulary, weightType, chatTemplate, weights, poolingType,
                causalAttention);
    }

    /** This model with its matrices stored as {@code type} (norm weights and routers stay F32). */
    public GgufModel withWeightType(GgmlType type) {
        return new GgufModel(name, architecture, shape, vocabulary, type, chatTemplate, weights, poolingType, causal);
    }

    /** The number of weights in the file (tied embeddings counted once). */
    public long parameterCount() {
        long count = 0;
        for (Architecture.TensorSpec tensor : architecture.tensors(shape)) {
            count = Math.addExact(count, tensor.elementCount());
        }
        return count;
    }

    /** Writes the model as GGUF to {@code path} and returns the file size. */
    public long write(Path path) throws IOException {
        return toWriter().write(path);
    }

    private GgufWriter toWriter() {
        GgufWriter writer = new GgufWriter()
                .metadata("general.architecture", GgufValue.string(architecture.ggufName()))
                .metadata("general.name", GgufValue.string(name))
                .metadata("general.file_type", GgufValue.uint32(fileType()));
        architecture.writeMetadata(writer, shape);
        if (poolingType != null) {
            writer.metadata(architecture.ggufName() + ".pooling_type", GgufValue.uint32(poolingType));
        }
        if (causal != null) {
            writer.metadata(architecture.ggufName() + ".attention.causal", GgufValue.bool(causal));
        }
        writeVocabulary(writer);
        if (chatTemplate != null) {
            writer.metadata("tokenizer.chat_template", GgufValue.string(chatTemplate));
        }
        for (Architecture.TensorSpec tensor : architecture.tensors(shape)) {
            long[] dims = tensor.dims();
            GgmlType type = tensor.quantizable() ? weightType : GgmlType.F32;
            writer.tensor(tensor.name(), type, dims, weights.rows(tensor.name(), dims));
        }
        return writer;
    }

    private void writeVocabulary(GgufWriter writer) {
        List<Vocabulary.Token> tokens = vocabulary.tokens();
        List<String> texts = new ArrayList<>(tokens.size());
        float[] scores = new float[tokens.size()];
        int[] types = new int[tokens.size()];
        for (int i = 0; i < tokens.size(); i++) {
            texts.add(tokens.get(i).text());
            scores[i] = tokens.get(i).score();
            types[i] = tokens.get(i).type().id();
        }
        writer.metadata("tokenizer.ggml.model", GgufValue.string("llama"))
                .metadata("tokenizer.ggml.tokens", GgufValue.strings(texts))
                .metadata("tokenizer.ggml.scores", GgufValue.float32s(scores))
                .metadata("tokenizer.ggml.token_type", GgufValue.int32s(types))
                .metadata("tokenizer.ggml.bos_token_id", GgufValue.uint32(vocabulary.bosId()))
                .metadata("tokenizer.ggml.eos_token_id", GgufValue.uint32(vocabulary.eosId()))
                .metadata("tokenizer.ggml.unknown_token_id", GgufValue.uint32(vocabulary.unkId()))
                .metadata("tokenizer.ggml.add_bos_token", GgufValue.bool(vocabulary.addBos()))
                .metadata("tokenizer.ggml.add_eos_token", GgufValue.bool(false))
                .metadata("tokenizer.ggml.add_space_prefix", GgufValue.bool(false));
    }

    /** llama.cpp's {@code general.file_type} for a model whose matrices are {@code weightType}. */
    private int fileType() {
        return switch (weightType) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
        };
    }
}
