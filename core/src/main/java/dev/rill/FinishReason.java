package dev.rill;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token (end of sequence, end of turn). */
    END_OF_SEQUENCE(true),
    /** One of the request's stop strings appeared; it is not part of the output. */
    STOP_STRING(true),
    /**
     * The model called tools and ended its turn: reported by {@link ChatResult#finishReason()}, never by the
     * engine itself (its result says {@link #END_OF_SEQUENCE} or {@link #STOP_STRING}).
     */
    TOOL_CALLS(true),
    /** The request's {@code maxTokens} were generated. */
    MAX_TOKENS(false),
    /** The sequence filled its share of the context window. */
    CONTEXT_FULL(false),
    /** The caller cancelled (through the handle, or from the callback). */
    CANCELLED(false),
    /** The model was closed while the generation ran or waited. */
    MODEL_CLOSED(false),
    /** The callback, the sampler or llama.cpp failed; the result carries the exception. */
    ERROR(false);

    private final boolean natural;

    FinishReason(boolean natural) {
        this.natural = natural;
    }

    /** True when the output ended on its own terms (end of sequence, a stop string, or tool calls), not because of a limit. */
    public boolean isNatural() {
        return natural;
    }
}
