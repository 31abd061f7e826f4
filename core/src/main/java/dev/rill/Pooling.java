package dev.rill;

/**
 * How an {@link Embedder} turns the hidden states of a text's tokens into one vector.
 */
public enum Pooling {
    /** No pooling: one vector per token ({@link Embedder#embedTokens}). */
    NONE,
    /** The average of the tokens' vectors: the default for a model whose metadata names no pooling. */
    MEAN,
    /** The first token's vector (BERT's {@code [CLS]}). */
    CLS,
    /** The last token's vector (decoder embedding models such as Qwen3-Embedding). */
    LAST
}
