package dev.rill.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A llama-architecture model to write as GGUF: shape, vocabulary, weights and an optional chat template.
 *
 * <p>Tensors, in ggml order ({@code {row length, rows}}), with {@code E} the embedding length, {@code V} the
 * vocabulary size, {@code F} the feed-forward length and {@code K} the KV width:
 * {@code token_embd.weight {E, V}}; per block {@code N}: {@code blk.N.attn_norm.weight {E}},
 * {@code attn_q {E, E}}, {@code attn_k {E, K}}, {@code attn_v {E, K}}, {@code attn_output {E, E}},
 * {@code ffn_norm {E}}, {@code ffn_gate {E, F}}, {@code ffn_up {E, F}}, {@code ffn_down {F, E}};
 * then {@code output_norm.weight {E}} and {@code output.weight {E, V}}. Row {@code r} of a matrix holds the weights
 * of output {@code r}, so a logit is {@code output.weight[token] · hidden}. Matrices use {@code weightType}; the
 * one-dimensional norm weights are always F32.
 *
 * @param chatTemplate the {@code tokenizer.chat_template}, or null for none
 */
public record LlamaModel(String name, LlamaHyperparameters hyperparameters, Vocabulary vocabulary,
                         GgmlType weightType, String chatTemplate, Weights weights) {

    /**
     * A ChatML template. llama.cpp b4916 recognises it as its built-in {@code chatml} template (it looks for
     * {@code <|im_start|>}), so {@code llama_chat_apply_template} renders it without a Jinja engine.
     */
    public static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** Supplies the values of each tensor. */
    @FunctionalInterface
    public interface Weights {
        /** The rows of tensor {@code tensorName}, whose ggml dims are {@code dims}. */
        GgufWriter.RowSource rows(String tensorName, long[] dims);
    }

    public LlamaModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hyperparameters, "hyperparameters");
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(weightType, "weightType");
        Objects.requireNonNull(weights, "weights");
    }

    /** This model with another chat template (null for none). */
    public LlamaModel withChatTemplate(String template) {
        return new LlamaModel(name, hyperparameters, vocabulary, weightType, template, weights);
    }

    /** This model with its matrices stored as {@code type} (vectors stay F32). */
    public LlamaModel withWeightType(GgmlType type) {
        return new LlamaModel(name, hyperparameters, vocabulary, type, chatTemplate, weights);
    }

    /** Writes the model as GGUF to {@code path} and returns the file size. */
    public long write(Path path) throws IOException {
        return toWriter().write(path);
    }

    /** The names and ggml dims of the tensors, in file order. */
    public List<TensorShape> tensorShapes() {
        LlamaHyperparameters h = hyperparameters;
        long e = h.embeddingLength();
        long v = vocabulary.size();
        long f = h.feedForwardLength();
        long k = h.kvWidth();
        List<TensorShape> shapes = new ArrayList<>();
        shapes.add(new TensorShape("token_embd.weight", e, v));
        for (int n = 0; n < h.blockCount(); n++) {
            String block = "blk." + n + ".";
            shapes.add(new TensorShape(block + "attn_norm.weight", e));
            shapes.add(new TensorShape(block + "attn_q.weight", e, e));
            shapes.add(new TensorShape(block + "attn_k.weight", e, k));
            shapes.add(new TensorShape(block + "attn_v.weight", e, k));
            shapes.add(new TensorShape(block + "attn_output.weight", e, e));
            shapes.add(new TensorShape(block + "ffn_norm.weight", e));
            shapes.add(new TensorShape(block + "ffn_gate.weight", e, f));
            shapes.add(new TensorShape(block + "ffn_up.weight", e, f));
            shapes.add(new TensorShape(block + "ffn_down.weight", f, e));
        }
        shapes.add(new TensorShape("output_norm.weight", e));
        shapes.add(new TensorShape("output.weight", e, v));
        return List.copyOf(shapes);
    }

    /** A tensor name with its ggml dims. */
    public record TensorShape(String name, long... dims) {
        public TensorShape {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }
    }

    private GgufWriter toWriter() {
        LlamaHyperparameters h = hyperparameters;
        GgufWriter writer = new GgufWriter()
                .metadata("general.architecture", GgufValue.string("llama"))
                .metadata("general.name", GgufValue.string(name))
                .metadata("general.file_type", GgufValue.uint32(fileType()))
                .metadata("llama.vocab_size", GgufValue.uint32(vocabulary.size()))
                .metadata("llama.context_length", GgufValue.uint32(h.contextLength()))
                .metadata("llama.embedding_length", GgufValue.uint32(h.embeddingLength()))
                .metadata("llama.block_count", GgufValue.uint32(h.blockCount()))
                .metadata("llama.feed_forward_length", GgufValue.uint32(h.feedForwardLength()))
                .metadata("llama.attention.head_count", GgufValue.uint32(h.headCount()))
                .metadata("llama.attention.head_count_kv", GgufValue.uint32(h.headCountKv()))
                .metadata("llama.attention.layer_norm_rms_epsilon", GgufValue.float32(h.rmsNormEpsilon()))
                .metadata("llama.rope.dimension_count", GgufValue.uint32(h.headSize()));
        writeVocabulary(writer);
        if (chatTemplate != null) {
            writer.metadata("tokenizer.chat_template", GgufValue.string(chatTemplate));
        }
        for (TensorShape shape : tensorShapes()) {
            long[] dims = shape.dims();
            GgmlType type = dims.length == 1 ? GgmlType.F32 : weightType;
            writer.tensor(shape.name(), type, dims, weights.rows(shape.name(), dims));
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

    private int fileType() {
        return switch (weightType) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
        };
    }
}
