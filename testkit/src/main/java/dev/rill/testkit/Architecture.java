package dev.rill.testkit;

import dev.rill.gguf.GgufWriter;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgmlType;
import java.util.ArrayList;
import java.util.List;

/**
 * The model architectures this kit writes, each as llama.cpp's loader expects it: the {@code general.architecture}
 * name, the metadata keys under that name and the tensors with their shapes, all derived from a {@link ModelShape}.
 *
 * <p>Every architecture writes {@code token_embd.weight {E, V}}, then per block {@code N} the tensors listed on its
 * constant (named {@code blk.N.<name>.weight}), then {@code output_norm.weight {E}} and, unless the embeddings are
 * tied, {@code output.weight {E, V}}. Dimensions are in ggml order (row length first) with {@code E} the embedding
 * length, {@code V} the vocabulary size, {@code F} the feed-forward length, {@code D} the head size, {@code Q} the
 * query width ({@code headCount * D}) and {@code K} the key/value width ({@code headCountKv * D}). One-dimensional
 * tensors are norm weights.
 *
 * <p>Every architecture writes these keys under its name: {@code context_length}, {@code embedding_length},
 * {@code block_count}, {@code feed_forward_length}, {@code attention.head_count}, {@code attention.head_count_kv},
 * {@code attention.key_length}, {@code attention.value_length}, {@code attention.layer_norm_rms_epsilon},
 * {@code rope.dimension_count} and {@code rope.freq_base}; the constants list the ones they add.
 */
public enum Architecture {
    /**
     * {@code llama}, as Llama 3: separate Q/K/V projections and a SiLU-gated feed-forward network. Block tensors:
     * {@code attn_norm {E}}, {@code attn_q {E, Q}}, {@code attn_k {E, K}}, {@code attn_v {E, K}},
     * {@code attn_output {Q, E}}, {@code ffn_norm {E}}, {@code ffn_gate {E, F}}, {@code ffn_up {E, F}},
     * {@code ffn_down {F, E}}. Adds {@code llama.vocab_size}. The rotary dimension count must be the head size.
     * Realistic shape: Llama 3.2 1B (without the rotary scaling factors of its long context).
     */
    LLAMA("llama") {
        @Override
        public ModelShape tinyShape() {
            return TINY.toBuilder().ropeFreqBase(500_000f).rmsNormEpsilon(1e-5f).build();
        }

        @Override
        public ModelShape realisticShape() {
            return TINY.toBuilder().vocabularySize(128_256).contextLength(131_072).embeddingLength(2048)
                    .blockCount(16).feedForwardLength(8192).headCount(32).headCountKv(8).headSize(64)
                    .ropeFreqBase(500_000f).rmsNormEpsilon(1e-5f).tiedEmbeddings(true).build();
        }

        @Override
        void check(ModelShape shape) {
            requireFullRotary(shape);
            requireNoSlidingWindow(shape);
            requireDense(shape);
        }

        @Override
        void block(Block block, ModelShape shape) {
            attention(block, shape);
            gatedFeedForward(block, shape);
        }

        @Override
        void metadata(Keys keys, ModelShape shape) {
            keys.uint32("vocab_size", shape.vocabularySize());
        }
    },

    /**
     * {@code qwen3}: Llama's block plus RMS norms over each query and key head, {@code attn_q_norm {D}} and
     * {@code attn_k_norm {D}} (after {@code attn_output}); no QKV bias. The query width may differ from {@code E}
     * (Qwen3 0.6B projects 1024 to 16 heads of 128). The rotary dimension count must be the head size.
     * Realistic shape: Qwen3 1.7B.
     */
    QWEN3("qwen3") {
        @Override
        public ModelShape tinyShape() {
            return TINY.toBuilder().headSize(64).ropeFreqBase(1_000_000f).build();
        }

        @Override
        public ModelShape realisticShape() {
            return TINY.toBuilder().vocabularySize(151_936).contextLength(40_960).embeddingLength(2048)
                    .blockCount(28).feedForwardLength(6144).headCount(16).headCountKv(8).headSize(128)
                    .ropeFreqBase(1_000_000f).tiedEmbeddings(true).build();
        }

        @Override
        void check(ModelShape shape) {
            requireFullRotary(shape);
            requireNoSlidingWindow(shape);
            requireDense(shape);
        }

        @Override
        void block(Block block, ModelShape shape) {
            attention(block, shape);
            headNorms(block, shape);
            gatedFeedForward(block, shape);
        }
    },

    /**
     * {@code gemma3}: Qwen3's block plus norms after attention and after the feed-forward network,
     * {@code post_attention_norm {E}} (after {@code attn_output}) and {@code post_ffw_norm {E}} (last); the
     * feed-forward network is GELU-gated and llama.cpp scales the token embeddings by {@code sqrt(E)}. With a sliding
     * window it adds {@code attention.sliding_window}, {@code attention.sliding_window_pattern} and
     * {@code rope.freq_base_swa}. Gemma 3 ties its embeddings. Realistic shape: Gemma 3 1B.
     */
    GEMMA3("gemma3") {
        @Override
        public ModelShape tinyShape() {
            return TINY.toBuilder().headCountKv(1).headSize(64).slidingWindow(32, 2).ropeFreqBase(1_000_000f)
                    .tiedEmbeddings(true).build();
        }

        @Override
        public ModelShape realisticShape() {
            return TINY.toBuilder().vocabularySize(262_144).contextLength(32_768).embeddingLength(1152)
                    .blockCount(26).feedForwardLength(6912).headCount(4).headCountKv(1).headSize(256)
                    .slidingWindow(512, 6).ropeFreqBase(1_000_000f).tiedEmbeddings(true).build();
        }

        @Override
        void check(ModelShape shape) {
            requireDense(shape);
        }

        @Override
        void block(Block block, ModelShape shape) {
            attention(block, shape);
            block.vector("post_attention_norm", shape.embeddingLength());
            headNorms(block, shape);
            gatedFeedForward(block, shape);
            block.vector("post_ffw_norm", shape.embeddingLength());
        }

        @Override
        void metadata(Keys keys, ModelShape shape) {
            if (shape.hasSlidingWindow()) {
                keys.uint32("attention.sliding_window", shape.slidingWindow());
                keys.uint32("attention.sliding_window_pattern", shape.slidingWindowPattern());
                keys.float32("rope.freq_base_swa", shape.ropeFreqBaseSwa());
            }
        }
    },

    /**
     * {@code phi3}: one fused projection {@code attn_qkv {E, E + 2K}} (Q, then K, then V) and a fused
     * {@code ffn_up {E, 2F}} (gate and up halves of a SwiGLU). Block tensors: {@code attn_norm {E}},
     * {@code attn_qkv}, {@code attn_output {E, E}}, {@code ffn_norm {E}}, {@code ffn_up}, {@code ffn_down {F, E}}.
     * The query width must be {@code E}; the rotary dimension count may be less than the head size (Phi-4-mini
     * rotates three quarters of each head). Realistic shape: Phi-3-mini with a 4k context.
     */
    PHI3("phi3") {
        @Override
        public ModelShape tinyShape() {
            return TINY.toBuilder().ropeDimensionCount(24).rmsNormEpsilon(1e-5f).build();
        }

        @Override
        public ModelShape realisticShape() {
            return TINY.toBuilder().vocabularySize(32_064).contextLength(4096).embeddingLength(3072)
                    .blockCount(32).feedForwardLength(8192).headCount(32).headCountKv(32).headSize(96)
                    .rmsNormEpsilon(1e-5f).build();
        }

        @Override
        void check(ModelShape shape) {
            if (shape.queryWidth() != shape.embeddingLength()) {
                throw new IllegalArgumentException("phi3 needs headCount * headSize = embeddingLength, got "
                        + shape.headCount() + " * " + shape.headSize() + " != " + shape.embeddingLength());
            }
            requireNoSlidingWindow(shape);
            requireDense(shape);
        }

        @Override
        void block(Block block, ModelShape shape) {
            long e = shape.embeddingLength();
            long f = shape.feedForwardLength();
            block.vector("attn_norm", e);
            block.matrix("attn_qkv", e, e + 2L * shape.kvWidth());
            block.matrix("attn_output", e, e);
            block.vector("ffn_norm", e);
            block.matrix("ffn_up", e, 2 * f);
            block.matrix("ffn_down", f, e);
        }
    },

    /**
     * {@code qwen3moe}: Qwen3's attention and a mixture of experts in place of the dense feed-forward network. With
     * {@code X} experts of hidden width {@code G}, after {@code ffn_norm {E}}: the router {@code ffn_gate_inp {E, X}}
     * (F32 whatever the weight type, as llama.cpp's quantizer leaves it) and the stacked experts
     * {@code ffn_gate_exps {E, G, X}}, {@code ffn_up_exps {E, G, X}}, {@code ffn_down_exps {G, E, X}}. Adds
     * {@code expert_count}, {@code expert_used_count} and {@code expert_feed_forward_length}. The rotary dimension
     * count must be the head size. Realistic shape: Qwen3 30B-A3B, 128 experts with 8 used per token (61 GB in
     * F16; fewer blocks make it smaller).
     */
    QWEN3MOE("qwen3moe") {
        @Override
        public ModelShape tinyShape() {
            return TINY.toBuilder().headSize(64).experts(4, 2, 64).ropeFreqBase(1_000_000f).build();
        }

        @Override
        public ModelShape realisticShape() {
            return TINY.toBuilder().vocabularySize(151_936).contextLength(40_960).embeddingLength(2048)
                    .blockCount(48).feedForwardLength(6144).headCount(32).headCountKv(4).headSize(128)
                    .experts(128, 8, 768).ropeFreqBase(1_000_000f).build();
        }

        @Override
        void check(ModelShape shape) {
            requireFullRotary(shape);
            requireNoSlidingWindow(shape);
            if (!shape.hasExperts()) {
                throw new IllegalArgumentException("qwen3moe needs experts (ModelShape.Builder.experts)");
            }
        }

        @Override
        void block(Block block, ModelShape shape) {
            long e = shape.embeddingLength();
            long g = shape.expertFeedForwardLength();
            long x = shape.expertCount();
            attention(block, shape);
            headNorms(block, shape);
            block.vector("ffn_norm", e);
            block.router("ffn_gate_inp", e, x);
            block.matrix("ffn_gate_exps", e, g, x);
            block.matrix("ffn_up_exps", e, g, x);
            block.matrix("ffn_down_exps", g, e, x);
        }

        @Override
        void metadata(Keys keys, ModelShape shape) {
            keys.uint32("expert_count", shape.expertCount());
            keys.uint32("expert_used_count", shape.expertUsedCount());
            keys.uint32("expert_feed_forward_length", shape.expertFeedForwardLength());
        }
    };

    /**
     * The base of the tiny shapes: the byte vocabulary, 128 wide, 2 blocks, 4 heads of 32 with 2 KV heads,
     * feed-forward 256, a 4096-token context, RMS epsilon 1e-6.
     */
    private static final ModelShape TINY = new ModelShape(Vocabulary.BYTE_VOCABULARY_SIZE, 4096, 128, 2, 256, 4, 2,
            32, 32, 10_000f, 1e-6f, false, 0, 0, 0f, 0, 0, 0);

    private final String ggufName;

    Architecture(String ggufName) {
        this.ggufName = ggufName;
    }

    /** The {@code general.architecture} value, which also prefixes this architecture's metadata keys. */
    public String ggufName() {
        return ggufName;
    }

    /**
     * A small shape that loads and generates in milliseconds: the byte vocabulary, 128 wide, 2 blocks, 4 query
     * heads, feed-forward 256, every row a multiple of 32 so that any {@link GgmlType} fits, and this architecture's
     * own traits (grouped-query attention, its head size, rotary base, sliding window or experts).
     */
    public abstract ModelShape tinyShape();

    /** The shape of a published model of this architecture (named on each constant), for benchmarks. */
    public abstract ModelShape realisticShape();

    /** Throws {@link IllegalArgumentException} if llama.cpp cannot run {@code shape} for this architecture. */
    abstract void check(ModelShape shape);

    /** Adds the tensors of one block. */
    abstract void block(Block block, ModelShape shape);

    /** Adds the metadata keys particular to this architecture. */
    void metadata(Keys keys, ModelShape shape) {
    }

    /** The tensors of a model of this shape, in file order. */
    List<TensorSpec> tensors(ModelShape shape) {
        check(shape);
        long e = shape.embeddingLength();
        long v = shape.vocabularySize();
        List<TensorSpec> tensors = new ArrayList<>();
        tensors.add(new TensorSpec("token_embd.weight", true, e, v));
        for (int n = 0; n < shape.blockCount(); n++) {
            block(new Block("blk." + n + ".", tensors), shape);
        }
        tensors.add(new TensorSpec("output_norm.weight", false, e));
        if (!shape.tiedEmbeddings()) {
            tensors.add(new TensorSpec("output.weight", true, e, v));
        }
        return List.copyOf(tensors);
    }

    /** Writes the {@code <architecture>.*} metadata of {@code shape}. */
    void writeMetadata(GgufWriter writer, ModelShape shape) {
        check(shape);
        Keys keys = new Keys(writer, ggufName);
        keys.uint32("context_length", shape.contextLength());
        keys.uint32("embedding_length", shape.embeddingLength());
        keys.uint32("block_count", shape.blockCount());
        keys.uint32("feed_forward_length", shape.feedForwardLength());
        keys.uint32("attention.head_count", shape.headCount());
        keys.uint32("attention.head_count_kv", shape.headCountKv());
        keys.uint32("attention.key_length", shape.headSize());
        keys.uint32("attention.value_length", shape.headSize());
        keys.float32("attention.layer_norm_rms_epsilon", shape.rmsNormEpsilon());
        keys.uint32("rope.dimension_count", shape.ropeDimensionCount());
        keys.float32("rope.freq_base", shape.ropeFreqBase());
        metadata(keys, shape);
    }

    /** {@code attn_norm}, {@code attn_q}, {@code attn_k}, {@code attn_v} and {@code attn_output}. */
    private static void attention(Block block, ModelShape shape) {
        long e = shape.embeddingLength();
        block.vector("attn_norm", e);
        block.matrix("attn_q", e, shape.queryWidth());
        block.matrix("attn_k", e, shape.kvWidth());
        block.matrix("attn_v", e, shape.kvWidth());
        block.matrix("attn_output", shape.queryWidth(), e);
    }

    /** {@code attn_q_norm} and {@code attn_k_norm}, one weight per value of a head. */
    private static void headNorms(Block block, ModelShape shape) {
        block.vector("attn_q_norm", shape.headSize());
        block.vector("attn_k_norm", shape.headSize());
    }

    /** {@code ffn_norm}, {@code ffn_gate}, {@code ffn_up} and {@code ffn_down}. */
    private static void gatedFeedForward(Block block, ModelShape shape) {
        long e = shape.embeddingLength();
        long f = shape.feedForwardLength();
        block.vector("ffn_norm", e);
        block.matrix("ffn_gate", e, f);
        block.matrix("ffn_up", e, f);
        block.matrix("ffn_down", f, e);
    }

    final void requireFullRotary(ModelShape shape) {
        if (shape.ropeDimensionCount() != shape.headSize()) {
            throw new IllegalArgumentException(ggufName + " rotates whole heads: ropeDimensionCount "
                    + shape.ropeDimensionCount() + " must equal headSize " + shape.headSize());
        }
    }

    final void requireNoSlidingWindow(ModelShape shape) {
        if (shape.hasSlidingWindow()) {
            throw new IllegalArgumentException(ggufName + " has no sliding-window attention, got a window of "
                    + shape.slidingWindow());
        }
    }

    final void requireDense(ModelShape shape) {
        if (shape.hasExperts()) {
            throw new IllegalArgumentException(ggufName + " has no experts, got " + shape.expertCount());
        }
    }

    /**
     * A tensor to write.
     *
     * @param quantizable whether it takes the model's weight type; the others (norm weights and routers) stay F32
     * @param dims        ggml order
     */
    record TensorSpec(String name, boolean quantizable, long... dims) {
        TensorSpec {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        long elementCount() {
            long count = 1;
            for (long dim : dims) {
                count = Math.multiplyExact(count, dim);
            }
            return count;
        }
    }

    /** Collects the tensors of block {@code prefix}. */
    static final class Block {
        private final String prefix;
        private final List<TensorSpec> tensors;

        Block(String prefix, List<TensorSpec> tensors) {
            this.prefix = prefix;
            this.tensors = tensors;
        }

        /** A norm weight. */
        void vector(String name, long length) {
            tensors.add(new TensorSpec(prefix + name + ".weight", false, length));
        }

        /** A weight matrix (or stack of them) in the model's weight type. */
        void matrix(String name, long... dims) {
            tensors.add(new TensorSpec(prefix + name + ".weight", true, dims));
        }

        /** An expert router, kept in F32. */
        void router(String name, long... dims) {
            tensors.add(new TensorSpec(prefix + name + ".weight", false, dims));
        }
    }

    /** Writes metadata keys under an architecture's name. */
    static final class Keys {
        private final GgufWriter writer;
        private final String prefix;

        Keys(GgufWriter writer, String architecture) {
            this.writer = writer;
            this.prefix = architecture + ".";
        }

        void uint32(String key, long value) {
            writer.metadata(prefix + key, GgufValue.uint32(value));
        }

        void float32(String key, float value) {
            writer.metadata(prefix + key, GgufValue.float32(value));
        }
    }
}
