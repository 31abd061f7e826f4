package dev.rill.internal.chat;

import dev.rill.ChatChannel;

/**
 * Receives a chat model's output as a {@link OutputParser} classifies it. Calls come one after another, never
 * interleaved: {@code callStart}, any number of {@code callArguments}, then {@code callEnd} (absent when the
 * output stopped in the middle of the call).
 */
public interface OutputSink {

    /** Text of one channel, in output order. */
    void text(ChatChannel channel, String text);

    /** A call begins: its function's name, and the id the model gave it (null when it gave none). */
    void callStart(String name, String id);

    /** More of the current call's argument JSON. */
    void callArguments(String fragment);

    /** The current call is complete. */
    void callEnd();
}
