package dev.rill.langchain4j;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.common.AbstractEmbeddingModelIT;
import dev.langchain4j.model.embedding.listener.EmbeddingModelListener;
import dev.rill.Embedder;
import dev.rill.EmbeddingOptions;
import dev.rill.Model;
import java.util.List;
import org.junit.jupiter.api.AfterAll;

/**
 * LangChain4j's embedding-model suite on the rigged plus-one model's embedder (mean-pooled hidden states), with
 * the switches set to what {@link RillEmbeddingModel} does: text only, no per-call parameters, no token usage.
 */
class RillEmbeddingModelIT extends AbstractEmbeddingModelIT {
    private final Model model = Fixtures.plusOneChat();
    private final Embedder embedder = model.embedder(EmbeddingOptions.builder().normalize(true).build());

    @AfterAll
    void close() {
        model.close();
    }

    @Override
    protected List<EmbeddingModel> models() {
        return List.of(RillEmbeddingModel.builder().embedder(embedder).build());
    }

    @Override
    protected EmbeddingModel modelWith(EmbeddingModelListener listener) {
        return RillEmbeddingModel.builder().embedder(embedder).listeners(List.of(listener)).build();
    }

    /** An embedding model whose embedder was closed after it was built: every request fails. */
    @Override
    protected EmbeddingModel failingModelWith(EmbeddingModelListener listener) {
        Embedder closing = model.embedder();
        EmbeddingModel failing = RillEmbeddingModel.builder().embedder(closing).listeners(List.of(listener)).build();
        closing.close();
        return failing;
    }

    @Override
    protected boolean supportsInputTypeParameter() {
        return false;
    }

    @Override
    protected boolean supportsDimensionsParameter() {
        return false;
    }

    @Override
    protected boolean supportsImageInput() {
        return false;
    }

    @Override
    protected boolean assertTokenUsage() {
        return false;
    }
}
