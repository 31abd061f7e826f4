package dev.rill.reactor;

import static dev.rill.reactor.Fixtures.PATIENCE;
import static dev.rill.reactor.Fixtures.PLUS_ONE;
import static dev.rill.reactor.Fixtures.awaitStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.ChatMessage;
import dev.rill.EngineStats;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.StreamToken;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The conveniences (text, results, chat), cold subscriptions, concurrency and threads. */
class StreamsTest {
    private static Model model;
    private static ReactiveModel reactive;

    @BeforeAll
    static void load() {
        model = Fixtures.plusOne();
        reactive = ReactiveModel.of(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationRequest request(String prompt, int maxTokens) {
        return GenerationRequest.builder(prompt).maxTokens(maxTokens).build();
    }

    @Test
    void generateEmitsTheResultWithReasonAndTimings() {
        StepVerifier.create(reactive.generate(request("abc", 10)))
                .assertNext(result -> {
                    assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
                    assertEquals("defghijklm", result.text());
                    assertEquals(10, result.generatedTokens());
                    assertEquals(4, result.promptTokens());
                    assertFalse(result.timings().total().isZero());
                })
                .verifyComplete();
    }

    @Test
    void eachSubscriptionRunsAGenerationOfItsOwn() {
        EngineStats before = model.stats();
        Mono<GenerationResult> once = reactive.generate(request("abc", 5));
        Flux<String> pieces = reactive.text(request("abc", 5));
        assertEquals("defgh", once.block(PATIENCE).text());
        assertEquals("defgh", once.block(PATIENCE).text());
        assertEquals("defgh", String.join("", pieces.collectList().block(PATIENCE)));
        assertEquals("defgh", String.join("", pieces.collectList().block(PATIENCE)));
        awaitStats(model, s -> s.completedGenerations() == before.completedGenerations() + 4, "four generations");
    }

    @Test
    void aStopStringCompletesTheStreamWithoutIt() {
        Recorder ended = new Recorder();
        GenerationRequest request = GenerationRequest.builder("abc").stop("gh").maxTokens(20).build();
        StepVerifier.create(reactive.stream(request, ended).map(StreamToken::text).filter(t -> !t.isEmpty())
                        .collect(Collectors.joining()))
                .expectNext("def")
                .verifyComplete();
        assertEquals(FinishReason.STOP_STRING, ended.result().finishReason());
        StepVerifier.create(reactive.text(request)).expectNext("d", "e", "f").verifyComplete();
    }

    @Test
    void textPiecesAreWholeCharactersAndNeverEmpty() {
        try (Model utf8 = Fixtures.utf8()) {
            ReactiveModel r = ReactiveModel.of(utf8);
            Recorder ended = new Recorder();
            List<StreamToken> tokens = r.stream(GenerationRequest.of("x"), ended).collectList().block(PATIENCE);
            assertEquals(10, tokens.size(), "nine byte tokens and the end of sequence");
            assertTrue(tokens.getLast().endOfSequence());
            assertEquals(FinishReason.END_OF_SEQUENCE, ended.result().finishReason());
            List<String> pieces = r.text("x").collectList().block(PATIENCE);
            assertEquals(List.of("\u00e9", "\u20ac", "\uD83D\uDE00"), pieces);
        }
    }

    @Test
    void chatConveniencesUseTheModelsTemplate() {
        try (Model chat = Fixtures.plusOneChat()) {
            ReactiveModel r = ReactiveModel.of(chat);
            List<ChatMessage> messages = List.of(ChatMessage.system("be brief"), ChatMessage.user("count"));
            // A ChatML prompt ends with a newline, after which the plus-one model counts from 'a'.
            StepVerifier.create(r.chatText(messages).take(5)).expectNext("a", "b", "c", "d", "e").verifyComplete();
            StepVerifier.create(r.chatStream(messages).take(3).map(StreamToken::text))
                    .expectNext("a", "b", "c").verifyComplete();
            GenerationResult reply = r.chat(messages).block(PATIENCE);
            assertTrue(reply.text().startsWith("abcdefghijklmnopqrstuvwxyz{|}~ !"), reply.text());
            assertTrue(reply.finishReason() == FinishReason.MAX_TOKENS
                    || reply.finishReason() == FinishReason.CONTEXT_FULL, reply.finishReason().toString());
        }
    }

    @Test
    void concurrentSubscribersEachGetTheirOwnOutput() {
        // Twelve streams over four slots: some wait in the queue, each requests at its own pace.
        List<String> prompts = List.of("abc", "klm", "pqr", "ABC", "KLM", "PQR", "012", "xyz", "!#%", "uvw", "GHI", "567");
        Map<String, GenerationResult> results = new ConcurrentHashMap<>();
        List<Mono<Map.Entry<String, String>>> runs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            String prompt = prompts.get(i);
            int rate = 1 + i % 4;
            Flux<String> pieces = reactive.text(request(prompt, 30)).limitRate(rate);
            if (i % 3 == 0) {
                pieces = pieces.publishOn(Schedulers.boundedElastic(), 2);
            }
            Flux<StreamToken> tokens = reactive.stream(request(prompt, 30), r -> results.put(prompt, r));
            runs.add(Mono.zip(pieces.collect(Collectors.joining()),
                            tokens.map(StreamToken::text).collect(Collectors.joining()))
                    .map(pair -> {
                        assertEquals(pair.getT1(), pair.getT2());
                        return Map.entry(prompt, pair.getT1());
                    })
                    .subscribeOn(Schedulers.parallel()));
        }
        Map<String, String> texts = Flux.merge(runs).collectMap(Map.Entry::getKey, Map.Entry::getValue)
                .block(PATIENCE);
        for (String prompt : prompts) {
            assertEquals(PLUS_ONE.expectedText(prompt, 30), texts.get(prompt), prompt);
            assertEquals(FinishReason.MAX_TOKENS, results.get(prompt).finishReason(), prompt);
        }
    }

    @Test
    void tokensArriveOnTheEngineThreadUnlessMovedWithPublishOn() {
        List<String> engine = reactive.stream(request("abc", 5)).map(t -> Thread.currentThread().getName())
                .collectList().block(PATIENCE);
        assertTrue(engine.stream().allMatch(name -> name.startsWith("rill-engine-")), engine.toString());
        List<String> moved = reactive.stream(request("abc", 5)).publishOn(Schedulers.boundedElastic())
                .map(t -> Thread.currentThread().getName()).collectList().block(PATIENCE);
        assertTrue(moved.stream().allMatch(name -> name.startsWith("boundedElastic-")), moved.toString());
    }

    @Test
    void aSlowSubscriberOnAnotherThreadNeverBlocksTheEngine() {
        // One consumer sleeps on its own thread between tokens; the other sequence finishes meanwhile.
        Flux<String> slow = reactive.text(request("abc", 20)).publishOn(Schedulers.boundedElastic(), 1)
                .doOnNext(t -> {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
        PacedSubscriber<String> slowSubscriber = new PacedSubscriber<>(Long.MAX_VALUE);
        slow.subscribe(slowSubscriber);
        assertEquals(PLUS_ONE.expectedText("klm", 60),
                reactive.text(request("klm", 60)).collect(Collectors.joining()).block(PATIENCE));
        assertTrue(slowSubscriber.received.size() < 20, "the fast one did not wait for the slow one");
        assertEquals(null, slowSubscriber.awaitTermination());
        assertEquals(PLUS_ONE.expectedText("abc", 20), String.join("", slowSubscriber.received));
    }
}
