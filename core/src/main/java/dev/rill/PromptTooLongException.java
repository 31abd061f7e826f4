package dev.rill;

/** A prompt does not fit in the context a sequence has, so no generation started. */
public final class PromptTooLongException extends RillException {
    private static final long serialVersionUID = 1L;
    private final int promptTokens;
    private final int limit;

    /** For a prompt of {@code promptTokens} tokens where at most {@code limit} fit. */
    public PromptTooLongException(int promptTokens, int limit) {
        super("The prompt is " + promptTokens + " tokens long but a sequence holds at most " + limit
                + " (contextSize / parallelSequences, less one token to generate); shorten the prompt or raise contextSize");
        this.promptTokens = promptTokens;
        this.limit = limit;
    }

    /** The prompt's length in tokens. */
    public int promptTokens() {
        return promptTokens;
    }

    /** The most prompt tokens a sequence can take. */
    public int limit() {
        return limit;
    }
}
