package dev.rill;

import dev.rill.internal.embed.EmbeddingWorker;
import dev.rill.internal.llama.LlamaModelHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Scores documents against a query with a reranker model (a cross-encoder whose GGUF names rank pooling, such as
 * the bge and jina rerankers, or a Qwen3 reranker on the current llama.cpp release). Get one from
 * {@link Model#reranker()}.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("bge-reranker-v2-m3.gguf"));
 *      Reranker reranker = model.reranker()) {
 *     List<RankedDocument> ranked = reranker.rank("what is a panda?", documents);
 * }
 * }</pre>
 *
 * <p>Each query and document pair is evaluated as one sequence, formed as llama.cpp's server forms it: the model's
 * {@code rerank} template when it has one, else the query and the document joined by the vocabulary's end and
 * separator tokens. The score is the first value of the model's classification head. Pairs are evaluated
 * together, as many as fit in {@link #batchSize()} tokens, and a pair's score depends on that pair alone. A pair
 * longer than the batch is refused with {@link TextTooLongException} (its index is the document's) unless
 * {@linkplain EmbeddingOptions.Builder#truncate truncation} was asked for, which cuts the end of the document.
 *
 * <p>Like an {@link Embedder}: safe to share, its calls run one at a time on a thread that owns a llama.cpp
 * context of its own; close it to free the context (closing the model closes it too).
 */
public final class Reranker implements ContextOwner {
    private final Model model;
    private final LlamaModelHandle handle;
    private final EmbeddingWorker worker;
    private final boolean truncate;
    private volatile boolean closed;

    Reranker(Model model, LlamaModelHandle handle, EmbeddingWorker worker, boolean truncate) {
        this.model = model;
        this.handle = handle;
        this.worker = worker;
        this.truncate = truncate;
    }

    /** Most tokens one evaluation takes, and so the longest query and document pair. */
    public int batchSize() {
        return worker.batchSize();
    }

    /** The score of one document for {@code query}. */
    public float score(String query, String document) {
        return score(query, List.of(Objects.requireNonNull(document, "document")))[0];
    }

    /**
     * The score of each document for {@code query}, in the documents' order; an empty list gives an empty array
     * without touching llama.cpp.
     *
     * @throws TextTooLongException for a pair longer than {@link #batchSize()} tokens, unless truncating
     * @throws IllegalStateException after close
     */
    public float[] score(String query, List<String> documents) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(documents, "documents");
        checkOpen();
        if (documents.isEmpty()) {
            return new float[0];
        }
        int limit = worker.batchSize();
        List<int[]> pairs = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            String document = Objects.requireNonNull(documents.get(i), "documents[" + i + "]");
            int[] pair = handle.rerankPair(query, document);
            if (pair.length > limit) {
                if (!truncate) {
                    throw new TextTooLongException(i, pair.length, limit);
                }
                pair = Arrays.copyOf(pair, limit);
            }
            pairs.add(pair);
        }
        float[][] outputs = NativeErrors.calling(() -> worker.pooled(pairs));
        float[] scores = new float[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            scores[i] = outputs[i][0];
        }
        return scores;
    }

    /**
     * The documents with their scores, most relevant first; equal scores keep the documents' order.
     *
     * @throws TextTooLongException for a pair longer than {@link #batchSize()} tokens, unless truncating
     * @throws IllegalStateException after close
     */
    public List<RankedDocument> rank(String query, List<String> documents) {
        float[] scores = score(query, documents);
        List<RankedDocument> ranked = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            ranked.add(new RankedDocument(i, documents.get(i), scores[i]));
        }
        ranked.sort(Comparator.comparingDouble(RankedDocument::score).reversed());
        return List.copyOf(ranked);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the reranker is closed");
        }
    }

    /** Whether this reranker (or its model) was closed. */
    public boolean isClosed() {
        return closed;
    }

    /** Frees the reranker's context after the call running now. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            worker.close();
            model.forget(this);
        }
    }

    @Override
    public String toString() {
        return "Reranker[" + handle.path() + ", batch " + batchSize() + "]";
    }
}
