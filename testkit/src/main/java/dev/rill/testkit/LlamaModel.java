package dev.rill.testkit;

import dev.rill.gguf.GgufWriter;
import dev.rill.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
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
 * one-dimensional norm weights are always F32. The file is that of an {@link Architecture#LLAMA} model with the
 * rotary base 10,000 (llama.cpp's default).
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
    public interface Weights extends GgufModel.Weights {
        /** The rows of tensor {@code tensorName}, whose ggml dims are {@code dims}. */
        @Override
        GgufWriter.RowSource rows(String tensorName, long[] dims);
    }

    /** The rotary frequency base written: llama.cpp's default, the value of Llama 1 and 2. */
    private static final float ROPE_FREQ_BASE = 10_000f;

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
        return asGgufModel().write(path);
    }

    /** The names and ggml dims of the tensors, in file order. */
    public List<TensorShape> tensorShapes() {
        return Architecture.LLAMA.tensors(shape()).stream()
                .map(tensor -> new TensorShape(tensor.name(), tensor.dims()))
                .toList();
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

    /** This model as an {@link Architecture#LLAMA} model: the same file. */
    GgufModel asGgufModel() {
        return new GgufModel(name, Architecture.LLAMA, shape(), vocabulary, weightType, chatTemplate, weights);
    }

    /** The shape of the file: the rotary base is llama.cpp's default, the embeddings are not tied. */
    private ModelShape shape() {
        LlamaHyperparameters h = hyperparameters;
        return new ModelShape(vocabulary.size(), h.contextLength(), h.embeddingLength(), h.blockCount(),
                h.feedForwardLength(), h.headCount(), h.headCountKv(), h.headSize(), h.headSize(), ROPE_FREQ_BASE,
                h.rmsNormEpsilon(), false, 0, 0, 0f, 0, 0, 0);
    }
}
