package dev.rill.examples.springchat;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * {@code GET /chat?message=...}: the reply as server-sent events, one {@code data:} event per piece of text as the
 * model produces it, then an event named {@code done}. The client's demand drives decoding, and a client that
 * disconnects ends the generation.
 */
@RestController
class ChatController {
    private final ChatClient chat;

    ChatController(ChatClient chat) {
        this.chat = chat;
    }

    @GetMapping(path = "/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<String>> chat(@RequestParam("message") String message) {
        if (message.isBlank()) {
            return Flux.just(ServerSentEvent.<String>builder().event("error").data("message must not be blank")
                    .build());
        }
        return chat.prompt(message).stream().content()
                .map(piece -> ServerSentEvent.builder(piece).build())
                .concatWith(Flux.just(ServerSentEvent.<String>builder().event("done").data("").build()));
    }
}
