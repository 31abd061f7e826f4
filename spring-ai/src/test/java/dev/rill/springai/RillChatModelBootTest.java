package dev.rill.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rill.EngineStats;
import dev.rill.Model;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** A Spring Boot application with Rill's starter: chat through the auto-configured model, blocking and streaming. */
@SpringBootTest(classes = RillChatModelBootTest.App.class)
class RillChatModelBootTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("rill.model.path", () -> Fixtures.file().toString());
        registry.add("rill.model.context-size", () -> "1024");
        registry.add("rill.model.threads", () -> "1");
    }

    @Autowired
    ChatModel chat;

    @Autowired
    Model model;

    private static Prompt hello(int maxTokens) {
        return new Prompt("hello", ChatOptions.builder().maxTokens(maxTokens).build());
    }

    private static String text(ChatResponse response) {
        return response.getResult().getOutput().getText();
    }

    @Test
    void aBlockingCallAnswersWithTheRiggedReply() {
        ChatResponse response = chat.call(hello(4));

        assertEquals("abcd", text(response));
        assertEquals(4, response.getMetadata().getUsage().getCompletionTokens());
    }

    @Test
    void theStreamIsOneResponsePerTokenThenTheFinishReasonAndUsage() {
        List<ChatResponse> responses = chat.stream(hello(6)).collectList().block(Duration.ofSeconds(30));

        assertEquals(7, responses.size());
        assertEquals("abcdef", responses.stream().map(RillChatModelBootTest::text).collect(Collectors.joining()));
        ChatResponse last = responses.getLast();
        assertEquals("LENGTH", last.getResult().getMetadata().getFinishReason());
        assertEquals(6, last.getMetadata().getUsage().getCompletionTokens());
        assertEquals(Fixtures.PLUS_ONE_CHAT.model().name(), last.getMetadata().getModel());
    }

    @Test
    void demandDrivesTheStream() {
        long generatedBefore = model.stats().generatedTokens();
        Flux<String> pieces = chat.stream(hello(50)).map(RillChatModelBootTest::text);

        StepVerifier.create(pieces, 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200))
                .thenRequest(2)
                .expectNext("a", "b")
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> assertEquals(generatedBefore + 2, model.stats().generatedTokens(),
                        "no token is decoded beyond the demand"))
                .thenRequest(1)
                .expectNext("c")
                .thenCancel()
                .verify(Duration.ofSeconds(30));
        EngineStats stats = awaitIdle();
        assertEquals(0, stats.activeSequences());
    }

    @Test
    void optionsOfAnotherModelAreRefused() {
        Prompt other = new Prompt("hello", ChatOptions.builder().model("gpt-4o").build());

        assertThrows(IllegalArgumentException.class, () -> chat.call(other));
        StepVerifier.create(chat.stream(other)).expectError(IllegalArgumentException.class).verify();
    }

    private EngineStats awaitIdle() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        EngineStats stats = model.stats();
        while (stats.activeSequences() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
            stats = model.stats();
        }
        return stats;
    }
}
