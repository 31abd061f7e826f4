package dev.rill;

/**
 * Receives each token of a generation as soon as it is sampled.
 *
 * <p><b>Runs on the engine thread.</b> Every sequence the model is generating waits while the callback runs,
 * so keep it quick: append to a buffer, write to a socket, hand off to a queue. To stop early, call
 * {@link Generation#cancel()} on the handle it receives; no token follows. An exception thrown here ends this
 * generation with {@link FinishReason#ERROR} (the exception is its cause) and frees its state; other
 * generations go on.
 */
@FunctionalInterface
public interface TokenCallback {

    /** Called once per token, in order, on the engine thread. */
    void onToken(StreamToken token, Generation generation);

    /** A callback that ignores every token (for when only the result matters). */
    static TokenCallback ignore() {
        return (token, generation) -> {
        };
    }
}
