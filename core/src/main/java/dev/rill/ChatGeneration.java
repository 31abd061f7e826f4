package dev.rill;

import java.util.concurrent.CompletableFuture;

/**
 * A handle on one chat generation ({@link Model#submitChat}): a {@link Generation}, whose result is also
 * available parsed into answer, reasoning and tool calls.
 */
public interface ChatGeneration extends Generation {

    /**
     * The parsed result, when the generation ends; the same future on every call. It completes normally, also
     * for a generation that failed; cancelling it cancels the generation.
     */
    CompletableFuture<ChatResult> chatResult();

    /**
     * Waits for the parsed result.
     *
     * @throws GenerationException when the generation ended with {@link FinishReason#ERROR}
     */
    ChatResult awaitChat();
}
