package dev.rill.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The chat page served at {@code /}: one HTML file without a framework that streams replies through
 * {@code /v1/chat/completions} (server-sent events read with {@code fetch}), with a model and adapter picker fed by
 * {@code /v1/models}, temperature, max tokens, an API key field and a stop button that disconnects (and so
 * cancels the generation).
 */
final class ChatPage {
    static final String HTML = load();

    private ChatPage() {
    }

    private static String load() {
        try (InputStream in = ChatPage.class.getResourceAsStream("chat.html")) {
            if (in == null) {
                throw new IllegalStateException("chat.html is missing from the server's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
