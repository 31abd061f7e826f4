package dev.rill.springai;

import dev.rill.TextEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;

/**
 * A Spring AI {@link EmbeddingModel} over a Rill {@link TextEmbedder}, such as an in-process model's
 * {@link dev.rill.Embedder}: the texts of a request are embedded together, in order. Options naming other
 * dimensions than the embedder's are refused with {@link IllegalArgumentException}. Closing the embedder is the
 * caller's business.
 */
public final class RillEmbeddingModel implements EmbeddingModel {
    private final TextEmbedder embedder;

    /**
     * An embedding model over {@code embedder}.
     *
     * @throws IllegalStateException when the embedder is closed
     */
    public RillEmbeddingModel(TextEmbedder embedder) {
        this.embedder = Objects.requireNonNull(embedder, "embedder");
        if (embedder.isClosed()) {
            throw new IllegalStateException("the embedder " + embedder + " is closed");
        }
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        EmbeddingOptions options = request.getOptions();
        if (options != null && options.getDimensions() != null && options.getDimensions() != embedder.dimensions()) {
            throw new IllegalArgumentException("the embedder gives " + embedder.dimensions()
                    + " dimensions, the request asks for " + options.getDimensions());
        }
        float[][] vectors = embedder.embed(request.getInstructions());
        List<Embedding> embeddings = new ArrayList<>(vectors.length);
        for (int i = 0; i < vectors.length; i++) {
            embeddings.add(new Embedding(vectors[i], i));
        }
        return new EmbeddingResponse(embeddings);
    }

    @Override
    public float[] embed(Document document) {
        String text = document.getText();
        if (text == null) {
            throw new IllegalArgumentException("the document " + document.getId() + " has no text to embed");
        }
        return embedder.embed(text);
    }

    @Override
    public int dimensions() {
        return embedder.dimensions();
    }

    @Override
    public String toString() {
        return "RillEmbeddingModel[" + embedder + "]";
    }
}
