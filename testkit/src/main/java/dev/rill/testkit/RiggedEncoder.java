package dev.rill.testkit;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A one-block BERT encoder ({@code general.architecture = bert}, {@link BertModel}'s vocabulary of letters) whose
 * hidden states are known in advance: an embedder whose vectors are the shares of each letter in the text, and a
 * reranker whose score is the share of one letter among a pair's tokens. Tests compare what llama.cpp computes
 * with {@link #tokenVectors} and {@link #score}, which follow the same arithmetic in Java.
 *
 * <p>How it is rigged ({@code E = 64} dimensions):
 * <ul>
 *   <li>Every token's embedding is {@code +offset, -offset} in dimensions 0 and 1, and {@code +1, -1} in the
 *       dimension pair of its letter ({@code 2 + l} and {@code 28 + l} for the letter {@code l}, word start or
 *       not) or, for {@code [CLS]}, {@code [SEP]} and the other specials, in dimensions 54 and 55; the rest is
 *       zero. So every embedding has mean zero and the same length, and the input layer norm scales them all
 *       alike. Type and position embeddings are zero.</li>
 *   <li>The query and key projections are zero, so attention is uniform over the sequence's tokens; the value
 *       projection copies dimensions 2 to 63 and the output projection copies all: each token gets the mean of
 *       the sequence's letter indicators, that is the share of each letter, added to its own.</li>
 *   <li>The feed-forward weights are zero, so the block ends in two layer norms and nothing else.</li>
 *   <li>A reranker's head ({@code cls.weight}) reads the dimension of its letter times a gain that keeps
 *       {@code tanh} in its linear range, and {@code cls.output.weight} undoes the gain and the layer norm's scale: with the large
 *       {@link #RERANK_OFFSET} (so the final layer norm scales every pair almost alike) the score is the share of
 *       the letter among the pair's tokens to within 1e-4, and {@link #score} gives it exactly.</li>
 * </ul>
 * Pooling is the metadata's: mean, CLS or last for an embedder, rank for a reranker.
 *
 * @param name           the {@code general.name}
 * @param poolingType    the {@code bert.pooling_type} (1 mean, 2 CLS, 3 last, 4 rank)
 * @param offset         the value of dimension 0 in every embedding (minus it in dimension 1)
 * @param letter         the reranker's letter ({@code 'a'} to {@code 'z'}), or {@code 0} for an embedder
 * @param rerankTemplate the {@code tokenizer.chat_template.rerank}, with {@code {query}} and {@code {document}},
 *                       or null for none
 */
public record RiggedEncoder(String name, int poolingType, float offset, char letter, String rerankTemplate) {

    /** Width of every vector. */
    public static final int DIMENSIONS = 64;
    /** The offset of a reranker: large, so the score is the letter's share almost exactly. */
    public static final float RERANK_OFFSET = 256f;

    private static final int FEED_FORWARD = 64;
    private static final int CONTEXT = 512;
    private static final int SPECIAL_DIMENSION = 54;
    private static final double EPSILON = 1e-12;
    /** {@code tanh} of at most this much is linear to within 4e-5 of its value. */
    private static final double HEAD_RANGE = 0.01;

    public RiggedEncoder {
        if (poolingType < 1 || poolingType > BertModel.RANK_POOLING) {
            throw new IllegalArgumentException("poolingType must be 1 to 4 (mean, CLS, last, rank), was " + poolingType);
        }
        if ((poolingType == BertModel.RANK_POOLING) != (letter != 0)) {
            throw new IllegalArgumentException("a letter goes with rank pooling (4), and only with it");
        }
        if (letter != 0 && (letter < 'a' || letter > 'z')) {
            throw new IllegalArgumentException("letter must be 'a' to 'z', was '" + letter + "'");
        }
        if (!(offset > 0)) {
            throw new IllegalArgumentException("offset must be positive, was " + offset);
        }
    }

    /**
     * An embedder whose vectors are the letter shares of the text (see the class comment), with the given pooling
     * in its metadata (1 mean, 2 CLS, 3 last).
     */
    public static RiggedEncoder letterShares(int poolingType) {
        if (poolingType == BertModel.RANK_POOLING) {
            throw new IllegalArgumentException("an embedder pools by mean, CLS or last: use letterReranker");
        }
        return new RiggedEncoder("rigged-letter-shares", poolingType, 1f, (char) 0, null);
    }

    /** A reranker whose score is the share of {@code letter} among the tokens of the query and document pair. */
    public static RiggedEncoder letterReranker(char letter) {
        return new RiggedEncoder("rigged-letter-reranker", BertModel.RANK_POOLING, RERANK_OFFSET, letter, null);
    }

    /** This model with a {@code tokenizer.chat_template.rerank} (null for none). */
    public RiggedEncoder withRerankTemplate(String template) {
        return new RiggedEncoder(name, poolingType, offset, letter, template);
    }

    /**
     * The tokens llama.cpp's WordPiece tokenizer gives {@code text} with this vocabulary: {@code [CLS]}, then per
     * word its first letter as a word start and the others as continuations, then {@code [SEP]}. Only lower-case
     * letters and spaces.
     */
    public static int[] tokens(String text) {
        List<Integer> ids = new ArrayList<>();
        ids.add(BertModel.CLS);
        ids.addAll(pieces(text));
        ids.add(BertModel.SEP);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The tokens of {@code text}'s words alone, without {@code [CLS]} and {@code [SEP]}. */
    public static List<Integer> pieces(String text) {
        List<Integer> ids = new ArrayList<>();
        for (String word : text.trim().split(" +")) {
            for (int i = 0; i < word.length(); i++) {
                char c = word.charAt(i);
                if (c < 'a' || c > 'z') {
                    throw new IllegalArgumentException("only lower-case letters and spaces, not '" + c + "'");
                }
                ids.add((i == 0 ? 5 : 31) + c - 'a');
            }
        }
        return ids;
    }

    /** The letter of token {@code id} (0 for {@code a}), or -1 for a special token. */
    static int letterOf(int id) {
        return id < 5 ? -1 : (id - 5) % 26;
    }

    /** The share of {@code letter} among {@code tokens}. */
    public static double share(int[] tokens, char letter) {
        int count = 0;
        for (int id : tokens) {
            if (letterOf(id) == letter - 'a') {
                count++;
            }
        }
        return (double) count / tokens.length;
    }

    /** The embedding of token {@code id}, before the input layer norm. */
    private double[] embedding(int id) {
        double[] e = new double[DIMENSIONS];
        e[0] = offset;
        e[1] = -offset;
        int l = letterOf(id);
        int dimension = l < 0 ? SPECIAL_DIMENSION : 2 + l;
        e[dimension] = 1;
        e[l < 0 ? SPECIAL_DIMENSION + 1 : 28 + l] = -1;
        return e;
    }

    /**
     * The hidden state of each token of one sequence after the block, as llama.cpp computes it (in double
     * precision): what {@code Pooling.NONE} gives, and what mean, CLS and last pooling pool.
     */
    public float[][] tokenVectors(int[] tokens) {
        double[][] states = states(tokens);
        float[][] result = new float[states.length][DIMENSIONS];
        for (int j = 0; j < states.length; j++) {
            for (int d = 0; d < DIMENSIONS; d++) {
                result[j][d] = (float) states[j][d];
            }
        }
        return result;
    }

    private double[][] states(int[] tokens) {
        int n = tokens.length;
        double[][] x = new double[n][];
        double[] mean = new double[DIMENSIONS];
        for (int j = 0; j < n; j++) {
            x[j] = layerNorm(embedding(tokens[j]));
            for (int d = 2; d < DIMENSIONS; d++) { // the value projection drops dimensions 0 and 1
                mean[d] += x[j][d] / n;
            }
        }
        double[][] result = new double[n][];
        for (int j = 0; j < n; j++) {
            double[] state = new double[DIMENSIONS];
            for (int d = 0; d < DIMENSIONS; d++) {
                state[d] = x[j][d] + mean[d];
            }
            // The attention output norm, then (after a zero feed-forward) the layer's output norm.
            result[j] = layerNorm(layerNorm(state));
        }
        return result;
    }

    /** The reranker's score of a pair whose tokens are {@code tokens}: about {@link #share} of the letter. */
    public double score(int[] tokens) {
        if (letter == 0) {
            throw new IllegalStateException("not a reranker");
        }
        double[] cls = states(tokens)[0];
        return Math.tanh(headGain() * cls[2 + letter - 'a']) / HEAD_RANGE;
    }

    /**
     * The gain of {@code cls.weight}: the letter dimension of a share of 1 reaches {@link #HEAD_RANGE}, and
     * {@code cls.output.weight} is {@code 1 / HEAD_RANGE}.
     */
    private double headGain() {
        double unit = Math.sqrt(DIMENSIONS / (2.0 * offset * offset)); // the final layer norm's scale, about
        return HEAD_RANGE / unit;
    }

    private static double[] layerNorm(double[] v) {
        double mean = 0;
        for (double value : v) {
            mean += value / v.length;
        }
        double variance = 0;
        for (double value : v) {
            variance += (value - mean) * (value - mean) / v.length;
        }
        double scale = 1 / Math.sqrt(variance + EPSILON);
        double[] result = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            result[i] = (v[i] - mean) * scale;
        }
        return result;
    }

    /** Writes the model as GGUF and returns the file size. */
    public long write(Path path) throws IOException {
        GgufWriter writer = BertModel.header("bert", name, CONTEXT, DIMENSIONS, 1, FEED_FORWARD, 2, poolingType);
        if (rerankTemplate != null) {
            writer.metadata("tokenizer.chat_template.rerank", GgufValue.string(rerankTemplate));
        }
        long e = DIMENSIONS;
        int vocabulary = BertModel.tokens().size();
        writer.tensor("token_embd.weight", GgmlType.F32, new long[] {e, vocabulary}, (row, values) -> {
            double[] embedding = embedding((int) row);
            for (int d = 0; d < values.length; d++) {
                values[d] = (float) embedding[d];
            }
        });
        zero(writer, "token_types.weight", e, 2);
        zero(writer, "position_embd.weight", e, CONTEXT);
        norm(writer, "token_embd_norm");
        String p = "blk.0.";
        zero(writer, p + "attn_q.weight", e, e);
        zero(writer, p + "attn_q.bias", e);
        zero(writer, p + "attn_k.weight", e, e);
        zero(writer, p + "attn_k.bias", e);
        writer.tensor(p + "attn_v.weight", GgmlType.F32, new long[] {e, e}, (row, values) -> {
            Arrays.fill(values, 0f);
            if (row >= 2) {
                values[(int) row] = 1;
            }
        });
        zero(writer, p + "attn_v.bias", e);
        writer.tensor(p + "attn_output.weight", GgmlType.F32, new long[] {e, e},
                (row, values) -> {
                    Arrays.fill(values, 0f);
                    values[(int) row] = 1;
                });
        zero(writer, p + "attn_output.bias", e);
        norm(writer, p + "attn_output_norm");
        zero(writer, p + "ffn_up.weight", e, FEED_FORWARD);
        zero(writer, p + "ffn_up.bias", FEED_FORWARD);
        zero(writer, p + "ffn_down.weight", FEED_FORWARD, e);
        zero(writer, p + "ffn_down.bias", e);
        norm(writer, p + "layer_output_norm");
        if (letter != 0) {
            float gain = (float) headGain();
            writer.tensor("cls.weight", GgmlType.F32, new long[] {e, e}, (row, values) -> {
                Arrays.fill(values, 0f);
                if (row == 0) {
                    values[2 + letter - 'a'] = gain;
                }
            });
            zero(writer, "cls.bias", e);
            writer.tensor("cls.output.weight", GgmlType.F32, new long[] {e, 1}, (row, values) -> {
                Arrays.fill(values, 0f);
                values[0] = (float) (1 / HEAD_RANGE);
            });
            zero(writer, "cls.output.bias", 1);
        }
        return writer.write(path);
    }

    private static void zero(GgufWriter writer, String name, long... dims) {
        writer.tensor(name, GgmlType.F32, dims, (row, values) -> Arrays.fill(values, 0f));
    }

    private static void norm(GgufWriter writer, String name) {
        writer.tensor(name + ".weight", GgmlType.F32, new long[] {DIMENSIONS}, GgufWriter.RowSource.constant(1f));
        zero(writer, name + ".bias", DIMENSIONS);
    }
}
