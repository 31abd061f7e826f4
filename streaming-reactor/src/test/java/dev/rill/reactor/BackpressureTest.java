package dev.rill.reactor;

import static dev.rill.reactor.Fixtures.PATIENCE;
import static dev.rill.reactor.Fixtures.PLUS_ONE;
import static dev.rill.reactor.Fixtures.awaitStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.EngineStats;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.StreamToken;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Demand drives decoding: what is requested is produced, nothing more, and cancels free the sequence. */
class BackpressureTest {
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

    @AfterEach
    void everySequenceIsReleased() {
        awaitStats(model, s -> s.activeSequences() == 0 && s.queuedRequests() == 0 && s.kvCellsInUse() == 0,
                "no sequence left behind");
    }

    private static GenerationRequest request(String prompt, int maxTokens) {
        return GenerationRequest.builder(prompt).maxTokens(maxTokens).build();
    }

    private static String text(List<StreamToken> tokens) {
        return tokens.stream().map(StreamToken::text).collect(Collectors.joining());
    }

    @Test
    void nothingIsQueuedOrDecodedBeforeTheFirstRequest() {
        EngineStats before = model.stats();
        Flux<StreamToken> tokens = reactive.stream(request("abc", 3));
        StepVerifier.create(tokens, 0)
                .expectSubscription()
                .then(() -> {
                    EngineStats now = model.stats();
                    assertEquals(0, model.queuedRequests());
                    assertEquals(0, now.activeSequences());
                    assertEquals(before.generatedTokens(), now.generatedTokens());
                    assertEquals(before.completedGenerations(), now.completedGenerations());
                })
                .thenRequest(1)
                .assertNext(t -> assertEquals("d", t.text()))
                .thenCancel()
                .verify(PATIENCE);
    }

    @Test
    void requestingOneByOneGivesExactlyTheExpectedTokensAndNoMore() {
        String expected = PLUS_ONE.expectedText("abc", 6);
        assertEquals("defghi", expected);
        Recorder ended = new Recorder();
        long base = model.stats().generatedTokens();
        StepVerifier.Step<StreamToken> script = StepVerifier.create(reactive.stream(request("abc", 6), ended), 0)
                .expectSubscription();
        for (int i = 0; i < expected.length(); i++) {
            int index = i;
            script = script.thenRequest(1)
                    .assertNext(t -> {
                        assertEquals(index, t.index());
                        assertEquals(String.valueOf(expected.charAt(index)), t.text());
                        assertEquals(1f, t.probability());
                    })
                    // The engine delivered this token and, without demand, made no other.
                    .then(() -> assertEquals(index + 1, model.stats().generatedTokens() - base));
        }
        script.verifyComplete();
        GenerationResult result = ended.result();
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals(expected, result.text());
        assertEquals(1, ended.calls.get());
    }

    @Test
    void requestingInBatchesGivesTheWholeText() {
        String expected = PLUS_ONE.expectedText("abc", 40);
        StepVerifier.create(reactive.text(request("abc", 40)).limitRate(3).collect(Collectors.joining()))
                .expectNext(expected)
                .verifyComplete();
    }

    @Test
    void cancelReleasesTheNativeSequenceExactlyOnce() {
        Recorder ended = new Recorder();
        EngineStats before = model.stats();
        StepVerifier.create(reactive.stream(request("abc", 100), ended), 0)
                .thenRequest(3)
                .expectNextCount(3)
                .thenCancel()
                .verify(PATIENCE);
        GenerationResult result = ended.result();
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(3, result.generatedTokens(), "no token is decoded without demand, even after a cancel");
        assertEquals("def", result.text());
        EngineStats after = awaitStats(model, s -> s.completedGenerations() == before.completedGenerations() + 1,
                "the generation to be counted");
        assertEquals(0, after.activeSequences());
        assertEquals(0, after.kvCellsInUse());
        assertEquals(1, ended.calls.get());
    }

    @Test
    void cancellingTwiceAndFromOtherThreadsReleasesOnce() throws Exception {
        Recorder ended = new Recorder();
        EngineStats before = model.stats();
        PacedSubscriber<StreamToken> subscriber = new PacedSubscriber<>(2);
        reactive.stream(request("abc", 100), ended).subscribe(subscriber);
        subscriber.awaitCount(2);
        Thread[] cancellers = new Thread[4];
        for (int i = 0; i < cancellers.length; i++) {
            cancellers[i] = Thread.ofPlatform().start(subscriber::dispose);
        }
        subscriber.dispose();
        for (Thread t : cancellers) {
            t.join(PATIENCE.toMillis());
        }
        assertEquals(FinishReason.CANCELLED, ended.result().finishReason());
        EngineStats after = awaitStats(model, s -> s.completedGenerations() >= before.completedGenerations() + 1,
                "the generation to be counted");
        assertEquals(before.completedGenerations() + 1, after.completedGenerations());
        assertEquals(1, ended.calls.get());
        assertEquals(2, subscriber.received.size());
        assertTrue(subscriber.terminated.isDone() == false, "no signal follows a cancel");
    }

    @Test
    void cancelBeforeAnyRequestNeverSubmits() {
        Recorder ended = new Recorder();
        EngineStats before = model.stats();
        StepVerifier.create(reactive.stream(request("abc", 100), ended), 0)
                .thenCancel()
                .verify(PATIENCE);
        // Prove the engine would have counted a generation by running one after it.
        StepVerifier.create(reactive.stream(request("abc", 1))).expectNextCount(1).verifyComplete();
        EngineStats after = awaitStats(model, s -> s.completedGenerations() >= before.completedGenerations() + 1,
                "the second generation to be counted");
        assertEquals(before.completedGenerations() + 1, after.completedGenerations());
        assertEquals(0, ended.calls.get());
    }

    @Test
    void takeDecodesOnlyTheTokensItNeeds() {
        Recorder ended = new Recorder();
        StepVerifier.create(reactive.stream(request("abc", 100), ended).take(5).map(StreamToken::text))
                .expectNext("d", "e", "f", "g", "h")
                .verifyComplete();
        GenerationResult result = ended.result();
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(5, result.generatedTokens(), "take(5) requests 5");
    }

    @Test
    void takeWithUnboundedDemandStopsAtTheStepInFlight() {
        Recorder ended = new Recorder();
        StepVerifier.create(reactive.stream(request("abc", 100), ended).take(5, false))
                .expectNextCount(5)
                .verifyComplete();
        GenerationResult result = ended.result();
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertTrue(result.generatedTokens() >= 5 && result.generatedTokens() <= 6,
                "5 tokens plus at most the step in flight, not " + result.generatedTokens());
    }

    @Test
    void aDownstreamErrorCancelsTheGeneration() {
        Recorder ended = new Recorder();
        IllegalStateException boom = new IllegalStateException("downstream failed");
        StepVerifier.create(reactive.stream(request("abc", 100), ended).doOnNext(t -> {
                    if (t.index() == 2) {
                        throw boom;
                    }
                }))
                .expectNextCount(2)
                .expectErrorMatches(e -> e == boom)
                .verify(PATIENCE);
        GenerationResult result = ended.result();
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertTrue(result.generatedTokens() <= 4, "stops at the next step, not " + result.generatedTokens());
    }

    @Test
    void aTimeoutCancelsTheGeneration() {
        Recorder ended = new Recorder();
        StepVerifier.withVirtualTime(() -> reactive.stream(request("abc", 100), ended)
                        .timeout(java.time.Duration.ofSeconds(30)), 1)
                .expectNextCount(1)
                .thenAwait(java.time.Duration.ofSeconds(30))
                .expectError(java.util.concurrent.TimeoutException.class)
                .verify(PATIENCE);
        GenerationResult result = ended.result();
        assertEquals(FinishReason.CANCELLED, result.finishReason());
        assertEquals(1, result.generatedTokens());
    }

    @Test
    void aSubscriberWithoutDemandHoldsNoPlaceInTheStep() {
        Recorder idleEnded = new Recorder();
        Recorder stalledEnded = new Recorder();
        PacedSubscriber<StreamToken> idle = new PacedSubscriber<>(0);
        PacedSubscriber<StreamToken> stalled = new PacedSubscriber<>(1);
        reactive.stream(request("abc", 100), idleEnded).subscribe(idle);
        reactive.stream(request("abc", 100), stalledEnded).subscribe(stalled);
        assertEquals("d", text(stalled.awaitCount(1)));
        EngineStats before = awaitStats(model, s -> s.activeSequences() == 1, "the stalled sequence to hold its slot");

        // Another sequence runs 40 tokens to its end while those two wait: every step is its alone.
        String expected = PLUS_ONE.expectedText("klm", 40);
        assertEquals(expected, reactive.text(request("klm", 40)).collect(Collectors.joining()).block(PATIENCE));
        EngineStats after = awaitStats(model, s -> s.completedGenerations() == before.completedGenerations() + 1,
                "the runner to be counted");
        assertEquals(40, after.generatedTokens() - before.generatedTokens());
        assertEquals(40, after.steps() - before.steps(), "one prompt step and 39 single-token steps");
        assertEquals(1, after.activeSequences(), "the stalled sequence keeps its slot; the idle one never took one");
        assertEquals(List.of("d"), stalled.received.stream().map(StreamToken::text).toList());
        assertTrue(idle.received.isEmpty());

        // The stalled sequence resumes where it stopped.
        stalled.request(2);
        assertEquals("def", text(stalled.awaitCount(3)));
        idle.request(1);
        assertEquals("d", text(idle.awaitCount(1)));

        idle.dispose();
        stalled.dispose();
        assertEquals(3, stalledEnded.result().generatedTokens());
        assertEquals(1, idleEnded.result().generatedTokens());
        assertNull(idle.terminated.getNow(null));
    }
}
