package dev.rill;

/** What a {@link Model} closes before it frees itself: an embedder's or reranker's context of its own. */
sealed interface ContextOwner extends AutoCloseable permits Embedder, Reranker {
    @Override
    void close();
}
