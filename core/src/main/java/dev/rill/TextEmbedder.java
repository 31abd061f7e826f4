package dev.rill;

import java.util.List;

/**
 * Turns texts into vectors, one per text, in order. {@link Embedder} does it in this process; get one from
 * {@link LanguageModel#embedder(EmbeddingOptions)}. Safe to share; close it when done.
 */
public interface TextEmbedder extends AutoCloseable {

    /** The length of each vector. */
    int dimensions();

    /** One text's vector. */
    default float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    /**
     * One vector per text, in order; an empty list gives an empty array.
     *
     * @throws TextTooLongException for a text longer than the embedder takes, unless it truncates
     * @throws IllegalStateException after close
     */
    float[][] embed(List<String> texts);

    /** Whether this embedder (or its model) was closed. */
    boolean isClosed();

    /** Frees what the embedder holds. Idempotent. */
    @Override
    void close();
}
