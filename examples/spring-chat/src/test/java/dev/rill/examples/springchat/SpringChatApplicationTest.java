package dev.rill.examples.springchat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Starts the example as {@code main} does, with nothing configured but a free port, so that it serves the rigged
 * plus-one model, and reads a streamed reply over HTTP as server-sent events.
 */
class SpringChatApplicationTest {
    private static ConfigurableApplicationContext app;
    private static WebClient client;

    @BeforeAll
    static void start() {
        app = SpringChatApplication.start("--server.port=0", "--rill.model.threads=1", "--rill.chat.max-tokens=8");
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        client = WebClient.create("http://localhost:" + port);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aChatReplyStreamsAsServerSentEventsThenDone() {
        List<ServerSentEvent<String>> events = client.get().uri(uri -> uri.path("/chat")
                        .queryParam("message", "Hello").build())
                .accept(MediaType.TEXT_EVENT_STREAM).retrieve()
                .bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .collectList().block(Duration.ofSeconds(60));

        ServerSentEvent<String> last = events.getLast();
        assertEquals("done", last.event());
        List<ServerSentEvent<String>> pieces = events.subList(0, events.size() - 1);
        assertEquals(8, pieces.size(), "one event per token: " + events);
        assertEquals("abcdefgh", pieces.stream().map(ServerSentEvent::data).collect(Collectors.joining()),
                "the rigged model's reply to any ChatML conversation");
    }
}
