package dev.rill.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.EngineStats;
import dev.rill.Model;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A WebFlux application streaming chat over server-sent events through Spring AI on Rill: the client reads the
 * rigged reply piece by piece, and disconnecting ends the generation and frees its sequence.
 */
@SpringBootTest(classes = StreamingOverWebFluxTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class StreamingOverWebFluxTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @RestController
    static class App {
        @Autowired
        ChatModel chat;

        @GetMapping(value = "/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        Flux<String> chat(@RequestParam("message") String message, @RequestParam("maxTokens") int maxTokens) {
            return chat.stream(new Prompt(message, ChatOptions.builder().maxTokens(maxTokens).build()))
                    .map(response -> response.getResult().getOutput().getText())
                    .filter(text -> !text.isEmpty());
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("rill.model.path", () -> Fixtures.file().toString());
        registry.add("rill.model.context-size", () -> "8192"); // 2048 cells per sequence
        registry.add("rill.model.threads", () -> "1");
    }

    @Autowired
    WebTestClient client;

    @Autowired
    Model model;

    @Test
    void theReplyStreamsAsServerSentEvents() {
        Flux<String> events = client.get().uri("/chat?message=hello&maxTokens=5")
                .accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isOk()
                .returnResult(String.class).getResponseBody();

        StepVerifier.create(events).expectNext("a", "b", "c", "d", "e").verifyComplete();
    }

    @Test
    void disconnectingEndsTheGenerationAndFreesItsSequence() {
        EngineStats before = model.stats();
        long completedBefore = before.completedGenerations();
        Flux<String> events = client.get().uri("/chat?message=hello&maxTokens=2000")
                .accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isOk()
                .returnResult(String.class).getResponseBody();

        StepVerifier.create(events).expectNext("a", "b", "c").thenCancel().verify(Duration.ofSeconds(30));

        EngineStats stats = awaitStats(completedBefore);
        assertEquals(0, stats.activeSequences());
        assertEquals(completedBefore + 1, stats.completedGenerations());
        long generated = stats.generatedTokens() - before.generatedTokens();
        assertTrue(generated < 1000, "the generation ran on to " + generated + " of 2000 tokens after the disconnect");
    }

    private EngineStats awaitStats(long completedBefore) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        EngineStats stats = model.stats();
        while ((stats.completedGenerations() <= completedBefore || stats.activeSequences() != 0)
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
            stats = model.stats();
        }
        return stats;
    }
}
