package dev.rill.testkit;

import dev.rill.gguf.GgufWriter;
import dev.rill.gguf.GgmlType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Ready-made models: rigged ones whose greedy output is known, a LoRA adapter that changes one of them, and
 * random-weight models of every {@link Architecture}, tiny for tests or of realistic shapes for benchmarks.
 *
 * <h2>Prompts of the rigged models</h2>
 * The rigged models use the {@link Vocabulary#bytes() byte vocabulary} and llama.cpp's SPM tokenizer with
 * {@code tokenizer.ggml.add_space_prefix = false}, so llama.cpp b4916 adds no leading space. Tokenizing with special
 * tokens added gives {@code <s>} followed by one byte token per UTF-8 byte of the prompt, with two exceptions:
 * <ul>
 *   <li>each space is first replaced by U+2581 and so becomes the three byte tokens {@code E2 96 81};</li>
 *   <li>when special tokens are parsed, the texts {@code <s>}, {@code </s>} and {@code <unk>} become those tokens.</li>
 * </ul>
 * A prompt without spaces and without those texts therefore tokenizes to exactly its bytes (after {@code <s>}).
 * Byte tokens print as their byte; {@code <s>} and {@code </s>} print as nothing unless special tokens are
 * rendered.
 *
 * <h2>Probabilities</h2>
 * With the default {@link #DEFAULT_TOP_LOGIT} of 16 and 259 tokens, the successor's probability at temperature 1 is
 * {@code 1 / (1 + 258 e^-16)} = 0.99997 (0.9940 at temperature 1.5, 0.920 at temperature 2; llama.cpp b4916 reports
 * logit 16.0000 and p = 0.999971); every other token has
 * the same small probability.
 */
public final class TestModels {
    /** The successor's logit in rigged models unless another is given. */
    public static final float DEFAULT_TOP_LOGIT = 16f;
    /** The shape of the rigged models: 288-wide (4 heads of 72), one block, feed-forward 64, context 2048. */
    public static final LlamaHyperparameters RIGGED_SHAPE =
            new LlamaHyperparameters(2048, 288, 1, 64, 4, 4, LlamaHyperparameters.DEFAULT_RMS_NORM_EPSILON);
    /** Standard deviation of the values of random-weight matrices. */
    public static final double RANDOM_WEIGHT_STD = 0.02;

    private static final int FIRST_PRINTABLE = 0x20;
    private static final int PRINTABLE_COUNT = 0x7F - 0x20;

    private TestModels() {
    }

    /**
     * A rigged model following {@code next}: token id to its greedy successor. Tokens absent from the map are
     * followed by {@code </s>}. Ids are those of the byte vocabulary.
     */
    public static RiggedModel transition(Map<Integer, Integer> next) {
        return transition(next, DEFAULT_TOP_LOGIT);
    }

    /** As {@link #transition(Map)}, with the successor's logit set to {@code topLogit} (other logits stay 0). */
    public static RiggedModel transition(Map<Integer, Integer> next, float topLogit) {
        return rigged("rigged-transition", transitionTable(next), topLogit);
    }

    /**
     * Printable ASCII counts up: after a byte {@code b} from 0x20 (space) to 0x7D comes {@code b + 1}, after
     * {@code '~'} (0x7E) comes the space again. Every other token (other bytes, including {@code '\n'} and
     * 0x80..0xFF, and {@code <s>}) is followed by {@code 'a'}. It never emits {@code </s>}: "abc" continues
     * "defghij...", "xyz}" continues "~ !"#", and a ChatML prompt, which ends in a newline, continues "abcde...".
     */
    public static RiggedModel plusOne() {
        return rigged("rigged-plus-one", printableStep(1), DEFAULT_TOP_LOGIT);
    }

    /**
     * {@link #plusOne()} counting by two (byte 0x7D goes to 0x20, 0x7E to 0x21): what
     * {@link #plusTwoAdapter()} turns {@link #plusOne()} into.
     */
    public static RiggedModel plusTwo() {
        return rigged("rigged-plus-two", printableStep(2), DEFAULT_TOP_LOGIT);
    }

    /**
     * A rigged model that, after the first byte of {@code text}, emits the remaining bytes of its UTF-8 encoding,
     * one token each, then {@code </s>}. Every other token is followed by {@code </s>}. The bytes must be distinct.
     */
    public static RiggedModel chain(String text) {
        return chain("rigged-chain", text);
    }

    /**
     * After {@code 'x'}, emits "é€😀" as its nine UTF-8 bytes {@code C3 A9 E2 82 AC F0 9F 98 80}, one
     * token each (characters of 2, 3 and 4 bytes split across tokens), then {@code </s>}. Any other last token is
     * followed by {@code </s>} right away.
     */
    public static RiggedModel utf8() {
        return chain("rigged-utf8", "x\u00e9\u20ac\uD83D\uDE00");
    }

    private static RiggedModel chain(String name, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            throw new IllegalArgumentException("the chain needs at least one byte");
        }
        Map<Integer, Integer> next = new HashMap<>();
        for (int i = 0; i < bytes.length; i++) {
            int from = Vocabulary.byteToken(bytes[i] & 0xFF);
            int to = i + 1 < bytes.length ? Vocabulary.byteToken(bytes[i + 1] & 0xFF) : Vocabulary.EOS;
            if (next.put(from, to) != null) {
                throw new IllegalArgumentException(
                        "byte 0x" + Integer.toHexString(bytes[i] & 0xFF) + " occurs twice in the chain");
            }
        }
        return rigged(name, transitionTable(next), DEFAULT_TOP_LOGIT);
    }

    /**
     * A rank-95 adapter on {@code output.weight} that turns {@link #plusOne()} into {@link #plusTwo()} at scale 1:
     * for each printable byte it moves the successor's weight from {@code b + 1} to {@code b + 2}. Alpha equals the
     * rank, so llama.cpp's factor is exactly the scale given to {@code llama_set_adapter_lora}. At scale 0.5 both
     * successors tie with logit 8 (probability 0.479 each) and an argmax that keeps the first maximum picks
     * {@code b + 1}.
     */
    public static LoraAdapterFile plusTwoAdapter() {
        int width = RIGGED_SHAPE.embeddingLength();
        int vocabulary = Vocabulary.BYTE_VOCABULARY_SIZE;
        float weight = riggedWeight(DEFAULT_TOP_LOGIT);
        int[] plusOne = printableStep(1);
        int[] plusTwo = printableStep(2);
        float[][] a = new float[PRINTABLE_COUNT][width];
        float[][] b = new float[vocabulary][PRINTABLE_COUNT];
        for (int i = 0; i < PRINTABLE_COUNT; i++) {
            int token = Vocabulary.byteToken(FIRST_PRINTABLE + i);
            a[i][token] = 1f;
            b[plusTwo[token]][i] += weight;
            b[plusOne[token]][i] -= weight;
        }
        return new LoraAdapterFile("rigged-plus-two-lora", PRINTABLE_COUNT,
                List.of(new LoraAdapterFile.Target("output.weight", a, b)));
    }

    /**
     * A model of the given shape with random weights: matrices hold normal values of standard deviation
     * {@link #RANDOM_WEIGHT_STD}, norm weights are 1. The vocabulary is {@link Vocabulary#bytesAndWords(int)}.
     * The same arguments always give the same file, and a matrix holds the same values (before encoding) whatever
     * {@code weightType} is. Generated text is arbitrary and may contain byte tokens that are not valid UTF-8.
     */
    public static LlamaModel randomWeights(String name, int vocabularySize, LlamaHyperparameters shape,
                                           GgmlType weightType, long seed) {
        return new LlamaModel(name, shape, Vocabulary.bytesAndWords(vocabularySize), weightType, null,
                randomWeights(seed)::rows);
    }

    /**
     * A model of {@code architecture} with random weights, named {@code random-weights}, its matrices in
     * F16 ({@link GgufModel#withWeightType} changes that): matrices and expert routers hold normal values of
     * standard deviation {@link #RANDOM_WEIGHT_STD}, norm weights are 1, and the vocabulary is
     * {@link Vocabulary#bytesAndWords(int)} of the shape's size (at least 259). The same arguments always give the
     * same file; generated text is arbitrary.
     *
     * <table class="striped">
     *   <caption>What each architecture adds to a Llama 3 block</caption>
     *   <thead><tr><th>Architecture</th><th>Distinct traits</th><th>{@link Architecture#realisticShape()}</th></tr>
     *   </thead>
     *   <tbody>
     *   <tr><td>{@link Architecture#LLAMA LLAMA}</td><td>the reference: separate Q/K/V, SiLU-gated feed-forward,
     *       grouped-query attention, rotary base 500,000 in the tiny shape</td><td>Llama 3.2 1B</td></tr>
     *   <tr><td>{@link Architecture#QWEN3 QWEN3}</td><td>RMS norms over each query and key head
     *       ({@code attn_q_norm}, {@code attn_k_norm}); heads wider than {@code E / headCount}</td>
     *       <td>Qwen3 1.7B</td></tr>
     *   <tr><td>{@link Architecture#GEMMA3 GEMMA3}</td><td>sliding-window layers in a pattern with their own rotary
     *       base, norms after attention and after the feed-forward network, embeddings scaled by
     *       {@code sqrt(E)} and tied, one KV head</td><td>Gemma 3 1B</td></tr>
     *   <tr><td>{@link Architecture#PHI3 PHI3}</td><td>fused {@code attn_qkv} and fused {@code ffn_up} of
     *       {@code 2F}; rotary dimensions fewer than the head size in the tiny shape</td>
     *       <td>Phi-3-mini 4k</td></tr>
     *   <tr><td>{@link Architecture#QWEN3MOE QWEN3MOE}</td><td>Qwen3 attention with a mixture of experts: router
     *       {@code ffn_gate_inp}, stacked 3-D {@code ffn_*_exps}, expert count and used count (4 and 2 in the tiny
     *       shape)</td><td>Qwen3 30B-A3B</td></tr>
     *   </tbody>
     * </table>
     *
     * @param shape for example {@code architecture.tinyShape()}; checked against what llama.cpp runs for
     *              {@code architecture}
     */
    public static GgufModel randomWeights(Architecture architecture, ModelShape shape, long seed) {
        return new GgufModel("random-weights", architecture, shape,
                Vocabulary.bytesAndWords(shape.vocabularySize()), GgmlType.F16, null, randomWeights(seed));
    }

    /**
     * Normal values of standard deviation {@link #RANDOM_WEIGHT_STD} for tensors of two or more dimensions, 1 for
     * vectors. Each row's values depend only on the seed, the tensor name and the row index.
     */
    private static GgufModel.Weights randomWeights(long seed) {
        return (tensorName, dims) -> {
            if (dims.length == 1) {
                return GgufWriter.RowSource.constant(1f);
            }
            long tensorSeed = mix(seed ^ mix(tensorName.hashCode()));
            return (row, values) -> {
                SplittableRandom random = new SplittableRandom(mix(tensorSeed + row));
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * RANDOM_WEIGHT_STD);
                }
            };
        };
    }

    /** A 32,000-token model, 512 wide, 8 blocks of 8 heads, feed-forward 1376 (about 117 MB in F16, 62 MB in Q8_0). */
    public static LlamaModel random32k(GgmlType weightType, long seed) {
        return randomWeights("random-32k", 32_000, LlamaHyperparameters.of(512, 8, 8, 1376), weightType, seed);
    }

    /**
     * A 128,256-token model (a Llama 3 sized vocabulary) with the body of {@link #random32k}: about 316 MB in F16,
     * 169 MB in Q8_0.
     */
    public static LlamaModel random128k(GgmlType weightType, long seed) {
        return randomWeights("random-128k", 128_256, LlamaHyperparameters.of(512, 8, 8, 1376), weightType, seed);
    }

    private static RiggedModel rigged(String name, int[] next, float topLogit) {
        if (!(topLogit > 0f) || !Float.isFinite(topLogit)) {
            throw new IllegalArgumentException("topLogit must be positive, got " + topLogit);
        }
        float weight = riggedWeight(topLogit);
        int[][] predecessors = predecessors(next);
        LlamaModel.Weights weights = (tensorName, dims) -> switch (tensorName) {
            case "token_embd.weight" -> (row, values) -> {
                Arrays.fill(values, 0f);
                values[(int) row] = 1f;
            };
            case "output.weight" -> (row, values) -> {
                Arrays.fill(values, 0f);
                for (int token : predecessors[(int) row]) {
                    values[token] = weight;
                }
            };
            default -> GgufWriter.RowSource.constant(dims.length == 1 ? 1f : 0f);
        };
        LlamaModel model = new LlamaModel(name, RIGGED_SHAPE, Vocabulary.bytes(), GgmlType.F32, null, weights);
        return new RiggedModel(model, next, topLogit);
    }

    /**
     * The {@code output.weight} value giving {@code logit}: the final RMS norm turns the one-hot hidden state into
     * {@code 1/sqrt(1/E + eps)} at the token's column.
     */
    private static float riggedWeight(float logit) {
        double meanSquare = 1.0 / RIGGED_SHAPE.embeddingLength() + RIGGED_SHAPE.rmsNormEpsilon();
        return (float) (logit * Math.sqrt(meanSquare));
    }

    private static int[] printableStep(int step) {
        int[] next = new int[Vocabulary.BYTE_VOCABULARY_SIZE];
        Arrays.fill(next, Vocabulary.byteToken('a'));
        for (int i = 0; i < PRINTABLE_COUNT; i++) {
            next[Vocabulary.byteToken(FIRST_PRINTABLE + i)] =
                    Vocabulary.byteToken(FIRST_PRINTABLE + (i + step) % PRINTABLE_COUNT);
        }
        return next;
    }

    private static int[][] predecessors(int[] next) {
        int[] counts = new int[next.length];
        for (int to : next) {
            counts[to]++;
        }
        int[][] predecessors = new int[next.length][];
        for (int token = 0; token < next.length; token++) {
            predecessors[token] = new int[counts[token]];
        }
        int[] filled = new int[next.length];
        for (int from = 0; from < next.length; from++) {
            predecessors[next[from]][filled[next[from]]++] = from;
        }
        return predecessors;
    }

    private static int[] transitionTable(Map<Integer, Integer> next) {
        int[] table = new int[Vocabulary.BYTE_VOCABULARY_SIZE];
        Arrays.fill(table, Vocabulary.EOS);
        next.forEach((from, to) -> table[checkToken(from)] = checkToken(to));
        return table;
    }

    private static int checkToken(Integer token) {
        if (token == null || token < 0 || token >= Vocabulary.BYTE_VOCABULARY_SIZE) {
            throw new IllegalArgumentException("not a token of the byte vocabulary: " + token);
        }
        return token;
    }

    /** A 64-bit mixer (the SplitMix64 finaliser) for deriving seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
