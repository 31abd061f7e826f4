package dev.rill;

/**
 * A text to embed has more tokens than one batch of the {@link Embedder} takes, and
 * {@link EmbeddingOptions.Builder#truncate truncation} was not asked for, so nothing was embedded.
 */
public final class TextTooLongException extends RillException {
    private static final long serialVersionUID = 1L;
    private final int index;
    private final int tokens;
    private final int limit;

    /** For text {@code index} of the call, {@code tokens} long where at most {@code limit} fit. */
    public TextTooLongException(int index, int tokens, int limit) {
        super("Text " + index + " is " + tokens + " tokens long but an embedding batch holds at most " + limit
                + "; shorten it, raise EmbeddingOptions.batchSize, or ask for truncate(true)");
        this.index = index;
        this.tokens = tokens;
        this.limit = limit;
    }

    /** The position of the text in the list passed to the embedder. */
    public int index() {
        return index;
    }

    /** The text's length in tokens. */
    public int tokens() {
        return tokens;
    }

    /** The most tokens one text may have. */
    public int limit() {
        return limit;
    }
}
