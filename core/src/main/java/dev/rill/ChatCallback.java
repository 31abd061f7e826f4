package dev.rill;

/**
 * Receives each token of a chat generation with the channel it belongs to ({@link Model#submitChat}).
 *
 * <p><b>Runs on the engine thread</b>, as {@link TokenCallback} does: keep it quick. To stop early, call
 * {@link Generation#cancel()}. An exception thrown here ends the generation with {@link FinishReason#ERROR}.
 */
@FunctionalInterface
public interface ChatCallback {

    /** Called once per token, in order, on the engine thread. */
    void onToken(ChatToken token, Generation generation);

    /** A callback that ignores every token (for when only the result matters). */
    static ChatCallback ignore() {
        return (token, generation) -> {
        };
    }
}
