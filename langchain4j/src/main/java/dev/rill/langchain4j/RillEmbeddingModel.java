package dev.rill.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.listener.EmbeddingModelListener;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.embedding.response.EmbeddingResponseMetadata;
import dev.rill.TextEmbedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link EmbeddingModel} over a Rill {@link TextEmbedder}, such as the {@link dev.rill.Embedder} of
 * an in-process model.
 *
 * <pre>{@code
 * Model model = Model.load(Path.of("nomic-embed-text-v1.5.Q8_0.gguf"));
 * EmbeddingModel embeddings = RillEmbeddingModel.builder()
 *         .embedder(model.embedder(EmbeddingOptions.builder().normalize(true).build()))
 *         .build();
 * Embedding vector = embeddings.embed("a cat").content();
 * }</pre>
 *
 * <p>Texts of one request are embedded together, in order, as the embedder batches them. Text only: image inputs
 * and the per-call {@code dimensions} and {@code inputType} parameters are refused with
 * {@code UnsupportedFeatureException} (prefix query and document texts yourself where a model wants it). Responses
 * carry no token usage. Closing the embedder (or its model) is the caller's business.
 */
public final class RillEmbeddingModel implements EmbeddingModel {
    private final TextEmbedder embedder;
    private final String modelName;
    private final List<EmbeddingModelListener> listeners;

    private RillEmbeddingModel(TextEmbedder embedder, String modelName, List<EmbeddingModelListener> listeners) {
        this.embedder = embedder;
        this.modelName = modelName;
        this.listeners = listeners;
    }

    /** A builder; {@link Builder#embedder} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public EmbeddingResponse doEmbed(EmbeddingRequest request) {
        List<String> texts = new ArrayList<>(request.inputs().size());
        for (EmbeddingInput input : request.inputs()) {
            texts.add(input.text());
        }
        float[][] vectors = embedder.embed(texts);
        List<Embedding> embeddings = new ArrayList<>(vectors.length);
        for (float[] vector : vectors) {
            embeddings.add(Embedding.from(vector));
        }
        return EmbeddingResponse.builder()
                .embeddings(embeddings)
                .metadata(EmbeddingResponseMetadata.builder().modelName(modelName).build())
                .build();
    }

    @Override
    public int dimension() {
        return embedder.dimensions();
    }

    @Override
    public String modelName() {
        return modelName;
    }

    @Override
    public List<EmbeddingModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public String toString() {
        return "RillEmbeddingModel[" + modelName + ", " + embedder + "]";
    }

    /** Builds a {@link RillEmbeddingModel}. Each option may be set once; arguments are checked when set. */
    public static final class Builder {
        private TextEmbedder embedder;
        private String modelName;
        private List<EmbeddingModelListener> listeners;

        private Builder() {
        }

        /**
         * The embedder (required; not closed).
         *
         * @throws IllegalStateException when it is closed
         */
        public Builder embedder(TextEmbedder embedder) {
            once(this.embedder, "embedder");
            Objects.requireNonNull(embedder, "embedder");
            if (embedder.isClosed()) {
                throw new IllegalStateException("the embedder " + embedder + " is closed");
            }
            this.embedder = embedder;
            return this;
        }

        /** The name responses report; default {@code rill-embedder}. */
        public Builder modelName(String modelName) {
            once(this.modelName, "modelName");
            Objects.requireNonNull(modelName, "modelName");
            if (modelName.isBlank()) {
                throw new IllegalArgumentException("modelName must not be blank");
            }
            this.modelName = modelName;
            return this;
        }

        /** Listeners notified around each request. */
        public Builder listeners(List<EmbeddingModelListener> listeners) {
            once(this.listeners, "listeners");
            Objects.requireNonNull(listeners, "listeners");
            for (int i = 0; i < listeners.size(); i++) {
                Objects.requireNonNull(listeners.get(i), "listeners[" + i + "]");
            }
            this.listeners = List.copyOf(listeners);
            return this;
        }

        /**
         * The embedding model.
         *
         * @throws IllegalStateException when no embedder was given
         */
        public RillEmbeddingModel build() {
            if (embedder == null) {
                throw new IllegalStateException("embedder is not set");
            }
            return new RillEmbeddingModel(embedder, modelName == null ? "rill-embedder" : modelName,
                    listeners == null ? List.of() : listeners);
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " is already set");
            }
        }
    }
}
