package dev.rill;

import dev.rill.internal.embed.EmbeddingWorker;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.internal.llama.PoolingType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Turns texts into vectors with a {@link Model}: one vector per text, pooled from the hidden states of its
 * tokens, or one per token on request. Get one from {@link Model#embedder(EmbeddingOptions)}.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("nomic-embed-text.gguf"));
 *      Embedder embedder = model.embedder(EmbeddingOptions.builder().normalize(true).build())) {
 *     float[][] vectors = embedder.embed(List.of("a cat", "a dog"));
 * }
 * }</pre>
 *
 * <p><b>Pooling.</b> By default the model's own ({@code <arch>.pooling_type}: mean, CLS or last), and
 * {@link Pooling#MEAN} for a model whose metadata names none, such as a generation model, as llama.cpp's
 * embedding tool does. {@link EmbeddingOptions.Builder#pooling} overrides it; {@link Pooling#NONE} gives token
 * vectors through {@link #embedTokens}.
 *
 * <p><b>Batches.</b> Texts are evaluated together, as many as fit in {@link #batchSize()} tokens (and 64
 * texts) per evaluation, in order; a call of many texts takes several evaluations. Each text's vector depends
 * on that text alone, whatever else shares its batch (up to floating-point rounding). A text longer than
 * {@link #batchSize()} tokens is refused with {@link TextTooLongException} unless truncation was asked for;
 * a text with no tokens at all (an empty string on a model that adds no BOS) is refused with
 * {@link IllegalArgumentException}.
 *
 * <p><b>Threads and resources.</b> An embedder is safe to share; its calls run one at a time on a thread of its
 * own, which owns a llama.cpp context of its own, separate from the model's generation engine (generations and
 * embeddings do not share batches, and run side by side without changing each other's results). On llama.cpp
 * b4916 an embedder's evaluations run alone in the process, since that release gives wrong vectors while another
 * context decodes. Close it to free the context; closing the model closes it too. Calls after close throw
 * {@link IllegalStateException}.
 */
public final class Embedder implements TextEmbedder, ContextOwner {
    /** Texts evaluated together at most, whatever the batch size. */
    static final int MAX_TEXTS_PER_BATCH = 64;

    private final Model model;
    private final LlamaModelHandle handle;
    private final EmbeddingWorker worker;
    private final EmbeddingOptions options;
    private final Pooling pooling;
    private volatile boolean closed;

    Embedder(Model model, LlamaModelHandle handle, EmbeddingWorker worker, EmbeddingOptions options) {
        this.model = model;
        this.handle = handle;
        this.worker = worker;
        this.options = options;
        this.pooling = Pooling.valueOf(worker.pooling().name());
    }

    /** The pooling in use: the one asked for, else the model's, else {@link Pooling#MEAN}. */
    public Pooling pooling() {
        return pooling;
    }

    /** The options this embedder was made with. */
    public EmbeddingOptions options() {
        return options;
    }

    /** The length of each vector: the model's hidden size. */
    @Override
    public int dimensions() {
        return worker.dimensions();
    }

    /** Most tokens one evaluation takes, and so the longest text. */
    public int batchSize() {
        return worker.batchSize();
    }

    /** One text's vector. */
    @Override
    public float[] embed(String text) {
        return embed(List.of(Objects.requireNonNull(text, "text")))[0];
    }

    /**
     * One vector per text, in order; an empty list gives an empty array without touching llama.cpp.
     *
     * @throws TextTooLongException for a text longer than {@link #batchSize()} tokens, unless truncating
     * @throws IllegalStateException when the pooling is {@link Pooling#NONE} (use {@link #embedTokens}), or
     *                               after close
     */
    @Override
    public float[][] embed(List<String> texts) {
        if (pooling == Pooling.NONE) {
            throw new IllegalStateException("pooling NONE gives one vector per token: call embedTokens");
        }
        List<int[]> tokens = tokenize(texts);
        if (tokens.isEmpty()) {
            return new float[0][];
        }
        float[][] vectors = NativeErrors.calling(() -> worker.pooled(tokens));
        if (options.normalize()) {
            for (float[] vector : vectors) {
                normalize(vector);
            }
        }
        return vectors;
    }

    /**
     * One vector per token of each text (rows: tokens, including any BOS the model adds), for an embedder
     * made with {@link Pooling#NONE}.
     *
     * @throws IllegalStateException when the embedder pools, or after close
     */
    public List<float[][]> embedTokens(List<String> texts) {
        if (pooling != Pooling.NONE) {
            throw new IllegalStateException("this embedder pools (" + pooling + "): make one with pooling NONE for token vectors");
        }
        List<int[]> tokens = tokenize(texts);
        if (tokens.isEmpty()) {
            return List.of();
        }
        List<float[][]> result = NativeErrors.calling(() -> worker.perToken(tokens));
        if (options.normalize()) {
            result.forEach(rows -> Arrays.stream(rows).forEach(Embedder::normalize));
        }
        return result;
    }

    private List<int[]> tokenize(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        checkOpen();
        int limit = worker.batchSize();
        List<int[]> result = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = Objects.requireNonNull(texts.get(i), "texts[" + i + "]");
            int[] tokens = handle.tokenize(text, true, false);
            if (tokens.length == 0) {
                throw new IllegalArgumentException("text " + i + " has no tokens to embed");
            }
            if (tokens.length > limit) {
                if (!options.truncate()) {
                    throw new TextTooLongException(i, tokens.length, limit);
                }
                tokens = Arrays.copyOf(tokens, limit);
            }
            result.add(tokens);
        }
        return result;
    }

    /** Scales {@code vector} to unit L2 length; a zero vector stays zero. */
    static void normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        if (sum > 0) {
            float scale = (float) (1 / Math.sqrt(sum));
            for (int i = 0; i < vector.length; i++) {
                vector[i] *= scale;
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the embedder is closed");
        }
    }

    /** Whether this embedder (or its model) was closed. */
    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Frees the embedder's context after the call running now. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            worker.close();
            model.forget(this);
        }
    }

    /**
     * The pooling to create the context with.
     *
     * @throws UnsupportedOperationException for a reranker asked for no pooling of its own
     */
    static PoolingType poolingFor(EmbeddingOptions options, LlamaModelHandle handle) {
        PoolingType pooling = options.pooling().map(p -> PoolingType.valueOf(p.name()))
                .or(handle::pooling)
                .orElse(PoolingType.MEAN);
        if (pooling == PoolingType.RANK) {
            throw new UnsupportedOperationException(handle.path().getFileName() + " is a reranker (its metadata names "
                    + "rank pooling): use Model.reranker(), or ask the embedder for a pooling");
        }
        return pooling;
    }

    @Override
    public String toString() {
        return "Embedder[" + handle.path() + ", " + pooling + ", " + dimensions() + " dimensions]";
    }
}
