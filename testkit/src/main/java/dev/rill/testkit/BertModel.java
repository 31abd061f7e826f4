package dev.rill.testkit;

import dev.rill.gguf.GgufWriter;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A random-weight encoder of the BERT family to write as GGUF, for embedding tests: no causal attention, no KV
 * cache, no output head, and a WordPiece ({@code bert}) vocabulary. The architecture is BERT by default, or
 * nomic-bert or jina-bert-v2 (see {@link Encoder} for how their tensors differ). BERT's tensors:
 * {@code token_embd {E, V}}, {@code token_types {E, 2}}, {@code position_embd {E, C}},
 * {@code token_embd_norm} (weight and bias), and per block {@code attn_q}, {@code attn_k}, {@code attn_v},
 * {@code attn_output} (each {E, E} with a bias), {@code attn_output_norm} (weight and bias), {@code ffn_up
 * {E, F}}, {@code ffn_down {F, E}} (with biases) and {@code layer_output_norm} (weight and bias).
 *
 * <p>The vocabulary: {@code [PAD]} (0), {@code [UNK]} (1), {@code [CLS]} (2), {@code [SEP]} (3), {@code [MASK]}
 * (4), then each lower-case letter as a word start ({@code ▁a}, llama.cpp's form of a word-initial piece) and as
 * a continuation ({@code a}). So a word of {@code n} letters is {@code n} tokens, and a text is
 * {@code [CLS]}, its letters, {@code [SEP]}; anything but letters and spaces is {@code [UNK]}. Matrices hold normal
 * values of standard deviation {@link TestModels#RANDOM_WEIGHT_STD} (higher for the embeddings, so texts
 * differ clearly), norm weights are 1 and biases 0; the same seed gives the same file.
 *
 * <p>A reranker ({@link #reranker}, {@link #constantReranker}) has rank pooling (4) and a classification head:
 * {@code cls.weight {E, E}} and {@code cls.bias}, then {@code cls.output.weight {E, 1}} and {@code cls.output.bias},
 * which llama.cpp applies to the {@code [CLS]} state as {@code cls.output(tanh(cls(x)))}.
 *
 * @param poolingType  the {@code <arch>.pooling_type} (llama.cpp's enum: 1 mean, 2 CLS, 4 rank)
 * @param rankHead     the classification head of a reranker (pooling 4, BERT only), null otherwise
 * @param architecture the encoder architecture
 */
public record BertModel(String name, int embeddingLength, int blockCount, int headCount, int feedForwardLength,
                        int contextLength, int poolingType, long seed, RankHead rankHead, Encoder architecture) {

    /**
     * The encoder architectures the writer knows, each with the tensors llama.cpp's loader for it expects (the
     * ones both releases load; optional extras are left out, since b4916 refuses a file with tensors it does not
     * read).
     */
    public enum Encoder {
        /**
         * {@code bert}: learned positions ({@code position_embd}), separate {@code attn_q/k/v} and
         * {@code attn_output} with biases, a GELU feed-forward {@code ffn_up}, {@code ffn_down} with biases.
         */
        BERT("bert"),
        /**
         * {@code nomic-bert}: rotary positions, one fused {@code attn_qkv {E, 3E}}, {@code attn_output}, and a
         * gated SiLU feed-forward ({@code ffn_up}, {@code ffn_gate}, {@code ffn_down}), all without biases.
         */
        NOMIC_BERT("nomic-bert"),
        /**
         * {@code jina-bert-v2}: ALiBi attention biases instead of positions, {@code attn_q/k/v} and
         * {@code attn_output} with biases, and a GEGLU feed-forward ({@code ffn_up} and {@code ffn_gate} without
         * biases, {@code ffn_down} with one).
         */
        JINA_BERT_V2("jina-bert-v2");

        private final String ggufName;

        Encoder(String ggufName) {
            this.ggufName = ggufName;
        }

        /** The {@code general.architecture}. */
        public String ggufName() {
            return ggufName;
        }
    }

    /** A {@link Encoder#BERT} model. */
    public BertModel(String name, int embeddingLength, int blockCount, int headCount, int feedForwardLength,
                     int contextLength, int poolingType, long seed, RankHead rankHead) {
        this(name, embeddingLength, blockCount, headCount, feedForwardLength, contextLength, poolingType, seed,
                rankHead, Encoder.BERT);
    }

    /** llama.cpp's rank pooling. */
    public static final int RANK_POOLING = 4;

    /**
     * A reranker's classification head.
     *
     * @param randomWeights random {@code cls} and {@code cls.output} weights (scores differ by pair), or all zero
     *                      (every pair scores exactly {@code outputBias})
     * @param outputBias    the value of {@code cls.output.bias}
     */
    public record RankHead(boolean randomWeights, float outputBias) {
    }

    /** The id of {@code [PAD]}. */
    public static final int PAD = 0;
    /** The id of {@code [UNK]}, for anything but letters and spaces. */
    public static final int UNK = 1;
    /** The id of {@code [CLS]}, which starts every text. */
    public static final int CLS = 2;
    /** The id of {@code [SEP]}, which ends every text. */
    public static final int SEP = 3;
    /** The id of {@code [MASK]}. */
    public static final int MASK = 4;

    public BertModel {
        if (embeddingLength % headCount != 0 || embeddingLength % 32 != 0 || feedForwardLength % 32 != 0) {
            throw new IllegalArgumentException("embeddingLength must be a multiple of 32 and of headCount, "
                    + "feedForwardLength of 32");
        }
        if (poolingType < 0 || poolingType > RANK_POOLING) {
            throw new IllegalArgumentException("poolingType must be 0 to 4, was " + poolingType);
        }
        if ((poolingType == RANK_POOLING) != (rankHead != null)) {
            throw new IllegalArgumentException("a rank head goes with rank pooling (4), and only with it");
        }
        if (architecture == null) {
            throw new IllegalArgumentException("architecture must not be null");
        }
        if (rankHead != null && architecture != Encoder.BERT) {
            throw new IllegalArgumentException("only the bert writer has a classification head, not " + architecture);
        }
    }

    /** 128 wide, 2 blocks of 4 heads, feed-forward 256, 512 positions, the given pooling (1 mean, 2 CLS). */
    public static BertModel tiny(int poolingType, long seed) {
        return new BertModel("random-bert", 128, 2, 4, 256, 512, poolingType, seed, null);
    }

    /** A random-weight encoder of {@code architecture} in the {@link #tiny} shape, with the given pooling. */
    public static BertModel tiny(Encoder architecture, int poolingType, long seed) {
        return new BertModel("random-" + architecture.ggufName(), 128, 2, 4, 256, 512, poolingType, seed, null,
                architecture);
    }

    /** A reranker of the {@link #tiny} shape with a random classification head: scores depend on the pair. */
    public static BertModel reranker(long seed) {
        return new BertModel("random-bert-reranker", 128, 2, 4, 256, 512, RANK_POOLING, seed, new RankHead(true, 0f));
    }

    /** A reranker of the {@link #tiny} shape whose head ignores its input: every pair scores exactly {@code score}. */
    public static BertModel constantReranker(float score, long seed) {
        return new BertModel("constant-bert-reranker", 128, 2, 4, 256, 512, RANK_POOLING, seed,
                new RankHead(false, score));
    }

    /** The vocabulary's tokens, in id order. */
    public static List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"));
        for (char c = 'a'; c <= 'z'; c++) {
            tokens.add("\u2581" + c);
        }
        for (char c = 'a'; c <= 'z'; c++) {
            tokens.add(String.valueOf(c));
        }
        return List.copyOf(tokens);
    }

    /** Writes the model as GGUF and returns the file size. */
    public long write(Path path) throws IOException {
        List<String> tokens = tokens();
        GgufWriter writer = header(architecture.ggufName(), name, contextLength, embeddingLength, blockCount,
                feedForwardLength, headCount, poolingType);
        if (architecture == Encoder.NOMIC_BERT) {
            writer.metadata("nomic-bert.rope.freq_base", GgufValue.float32(1000f));
        }
        long e = embeddingLength;
        long f = feedForwardLength;
        double std = TestModels.RANDOM_WEIGHT_STD * 5;
        matrix(writer, "token_embd.weight", 0.5, e, tokens.size());
        matrix(writer, "token_types.weight", 0.5, e, 2);
        if (architecture == Encoder.BERT) {
            matrix(writer, "position_embd.weight", 0.5, e, contextLength);
        }
        norm(writer, "token_embd_norm", e);
        boolean biases = architecture != Encoder.NOMIC_BERT;
        for (int n = 0; n < blockCount; n++) {
            String p = "blk." + n + ".";
            List<String> projections = architecture == Encoder.NOMIC_BERT ? List.of("attn_output")
                    : List.of("attn_q", "attn_k", "attn_v", "attn_output");
            if (architecture == Encoder.NOMIC_BERT) {
                matrix(writer, p + "attn_qkv.weight", std, e, 3 * e);
            }
            for (String projection : projections) {
                matrix(writer, p + projection + ".weight", std, e, e);
                if (biases) {
                    bias(writer, p + projection + ".bias", e);
                }
            }
            norm(writer, p + "attn_output_norm", e);
            matrix(writer, p + "ffn_up.weight", std, e, f);
            if (architecture == Encoder.BERT) {
                bias(writer, p + "ffn_up.bias", f);
            } else {
                matrix(writer, p + "ffn_gate.weight", std, e, f);
            }
            matrix(writer, p + "ffn_down.weight", std, f, e);
            if (biases) {
                bias(writer, p + "ffn_down.bias", e);
            }
            norm(writer, p + "layer_output_norm", e);
        }
        if (rankHead != null) {
            if (rankHead.randomWeights()) {
                matrix(writer, "cls.weight", 0.5, e, e);
                matrix(writer, "cls.output.weight", 0.5, e, 1);
            } else {
                writer.tensor("cls.weight", GgmlType.F32, new long[] {e, e}, GgufWriter.RowSource.constant(0f));
                writer.tensor("cls.output.weight", GgmlType.F32, new long[] {e, 1}, GgufWriter.RowSource.constant(0f));
            }
            bias(writer, "cls.bias", e);
            writer.tensor("cls.output.bias", GgmlType.F32, new long[] {1},
                    GgufWriter.RowSource.constant(rankHead.outputBias()));
        }
        return writer.write(path);
    }

    /**
     * A writer with the metadata of an encoder of architecture {@code arch} and this class's WordPiece vocabulary
     * of letters, for the test kit's encoders.
     */
    static GgufWriter header(String arch, String name, int contextLength, int embeddingLength, int blockCount,
                             int feedForwardLength, int headCount, int poolingType) {
        List<String> tokens = tokens();
        int[] types = new int[tokens.size()];
        float[] scores = new float[tokens.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = i == UNK ? Vocabulary.TokenType.UNKNOWN.id()
                    : i <= MASK ? Vocabulary.TokenType.CONTROL.id() : Vocabulary.TokenType.NORMAL.id();
        }
        return new GgufWriter()
                .metadata("general.architecture", GgufValue.string(arch))
                .metadata("general.name", GgufValue.string(name))
                .metadata("general.file_type", GgufValue.uint32(0))
                .metadata(arch + ".context_length", GgufValue.uint32(contextLength))
                .metadata(arch + ".embedding_length", GgufValue.uint32(embeddingLength))
                .metadata(arch + ".block_count", GgufValue.uint32(blockCount))
                .metadata(arch + ".feed_forward_length", GgufValue.uint32(feedForwardLength))
                .metadata(arch + ".attention.head_count", GgufValue.uint32(headCount))
                .metadata(arch + ".attention.layer_norm_epsilon", GgufValue.float32(1e-12f))
                .metadata(arch + ".attention.causal", GgufValue.bool(false))
                .metadata(arch + ".pooling_type", GgufValue.uint32(poolingType))
                .metadata("tokenizer.ggml.model", GgufValue.string("bert"))
                .metadata("tokenizer.ggml.tokens", GgufValue.strings(tokens))
                .metadata("tokenizer.ggml.scores", GgufValue.float32s(scores))
                .metadata("tokenizer.ggml.token_type", GgufValue.int32s(types))
                .metadata("tokenizer.ggml.token_type_count", GgufValue.uint32(2))
                .metadata("tokenizer.ggml.bos_token_id", GgufValue.uint32(CLS))
                .metadata("tokenizer.ggml.cls_token_id", GgufValue.uint32(CLS))
                .metadata("tokenizer.ggml.seperator_token_id", GgufValue.uint32(SEP))
                .metadata("tokenizer.ggml.unknown_token_id", GgufValue.uint32(UNK))
                .metadata("tokenizer.ggml.padding_token_id", GgufValue.uint32(PAD))
                .metadata("tokenizer.ggml.mask_token_id", GgufValue.uint32(MASK));
    }

    private void matrix(GgufWriter writer, String name, double std, long... dims) {
        long tensorSeed = seed * 31 + name.hashCode();
        writer.tensor(name, GgmlType.F32, dims, (row, values) -> {
            SplittableRandom random = new SplittableRandom(tensorSeed * 1_000_003L + row);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * std);
            }
        });
    }

    private static void norm(GgufWriter writer, String name, long length) {
        writer.tensor(name + ".weight", GgmlType.F32, new long[] {length}, GgufWriter.RowSource.constant(1f));
        bias(writer, name + ".bias", length);
    }

    private static void bias(GgufWriter writer, String name, long length) {
        writer.tensor(name, GgmlType.F32, new long[] {length}, GgufWriter.RowSource.constant(0f));
    }
}
