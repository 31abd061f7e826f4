package dev.rill.reactor;

import static dev.rill.reactor.Fixtures.PATIENCE;
import static dev.rill.reactor.Fixtures.awaitStats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.ChatMessage;
import dev.rill.ChatTemplateException;
import dev.rill.FinishReason;
import dev.rill.GenerationException;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.PromptTooLongException;
import dev.rill.RejectedGenerationException;
import dev.rill.StreamToken;
import dev.rill.sampling.Sampler;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** What the engine refuses or fails with arrives as onError, with the types of the synchronous API. */
class ErrorsTest {
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

    @Test
    void aPromptTooLongForASequenceIsAnError() {
        GenerationRequest tooLong = GenerationRequest.of("a".repeat(200));
        StepVerifier.create(reactive.stream(tooLong)).expectError(PromptTooLongException.class).verify(PATIENCE);
        StepVerifier.create(reactive.generate(tooLong)).expectError(PromptTooLongException.class).verify(PATIENCE);
    }

    @Test
    void aTokenOutsideTheVocabularyIsAnIllegalArgument() {
        GenerationRequest bad = GenerationRequest.builder(Prompt.tokens(1, 1_000_000)).build();
        StepVerifier.create(reactive.stream(bad)).expectError(IllegalArgumentException.class).verify(PATIENCE);
    }

    @Test
    void aChatWhoseTemplateFailsIsAChatTemplateException() {
        GenerationRequest refused = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("hi")),
                "{{ raise_exception('no chats today') }}")).build();
        StepVerifier.create(reactive.stream(refused))
                .expectErrorMatches(e -> e instanceof ChatTemplateException && e.getMessage().contains("no chats today"))
                .verify(PATIENCE);
    }

    @Test
    void aFailingSamplerEndsWithAGenerationExceptionCarryingTheResult() {
        IllegalStateException boom = new IllegalStateException("boom");
        Sampler broken = seed -> logits -> {
            throw boom;
        };
        Recorder ended = new Recorder();
        GenerationRequest request = GenerationRequest.builder("abc").sampler(broken).build();
        StepVerifier.create(reactive.stream(request, ended))
                .expectErrorSatisfies(e -> {
                    GenerationException failure = assertInstanceOf(GenerationException.class, e);
                    assertSame(boom, failure.getCause());
                    assertEquals(FinishReason.ERROR, failure.result().finishReason());
                })
                .verify(PATIENCE);
        assertEquals(FinishReason.ERROR, ended.result().finishReason());
        StepVerifier.create(reactive.generate(request))
                .expectErrorSatisfies(e -> assertSame(boom, assertInstanceOf(GenerationException.class, e).getCause()))
                .verify(PATIENCE);
    }

    @Test
    void aNonPositiveRequestIsAnIllegalArgumentAndReleasesTheSequence() {
        PacedSubscriber<StreamToken> before = new PacedSubscriber<>(0);
        reactive.stream(GenerationRequest.of("abc")).subscribe(before);
        before.requestUnchecked(0);
        assertInstanceOf(IllegalArgumentException.class, before.awaitTermination());

        Recorder ended = new Recorder();
        PacedSubscriber<StreamToken> running = new PacedSubscriber<>(1);
        reactive.stream(GenerationRequest.of("abc"), ended).subscribe(running);
        running.awaitCount(1);
        running.requestUnchecked(-1);
        Throwable error = running.awaitTermination();
        assertInstanceOf(IllegalArgumentException.class, error);
        assertTrue(error.getMessage().contains("3.9"), error.getMessage());
        assertEquals(FinishReason.CANCELLED, ended.result().finishReason());
        assertEquals(1, ended.result().generatedTokens());
        awaitStats(model, s -> s.activeSequences() == 0 && s.kvCellsInUse() == 0, "the sequence to be released");
    }

    @Test
    void aFullQueueRejectsAndQueuedRequestsCancelAtOnce() {
        try (Model small = Fixtures.plusOne(Fixtures.options(256, 1).queueCapacity(1).build())) {
            ReactiveModel r = ReactiveModel.of(small);
            Recorder holderEnded = new Recorder();
            Recorder waiterEnded = new Recorder();
            PacedSubscriber<StreamToken> holder = new PacedSubscriber<>(1);
            r.stream(GenerationRequest.of("abc"), holderEnded).subscribe(holder);
            holder.awaitCount(1);
            PacedSubscriber<StreamToken> waiter = new PacedSubscriber<>(1);
            r.stream(GenerationRequest.of("abc"), waiterEnded).subscribe(waiter);
            awaitStats(small, s -> s.queuedRequests() == 1, "the second request to wait in the queue");

            StepVerifier.create(r.stream(GenerationRequest.of("abc")))
                    .expectError(RejectedGenerationException.class)
                    .verify(PATIENCE);

            waiter.dispose();
            GenerationResult queued = waiterEnded.result();
            assertEquals(FinishReason.CANCELLED, queued.finishReason());
            assertEquals(0, queued.generatedTokens());
            holder.dispose();
            assertEquals(FinishReason.CANCELLED, holderEnded.result().finishReason());
            awaitStats(small, s -> s.activeSequences() == 0 && s.queuedRequests() == 0 && s.kvCellsInUse() == 0,
                    "both sequences to be released");
            assertEquals(1, holderEnded.calls.get());
            assertEquals(1, waiterEnded.calls.get());
        }
    }

    @Test
    void closingTheModelEndsStreamsWithAnErrorAndResultsWithModelClosed() {
        Model closing = Fixtures.plusOne(Fixtures.options(256, 1).build());
        ReactiveModel r = ReactiveModel.of(closing);
        Recorder ended = new Recorder();
        PacedSubscriber<StreamToken> running = new PacedSubscriber<>(1);
        r.stream(GenerationRequest.of("abc"), ended).subscribe(running);
        running.awaitCount(1);
        PacedSubscriber<GenerationResult> queued = new PacedSubscriber<>(1);
        r.generate(GenerationRequest.of("abc")).subscribe(queued);
        awaitStats(closing, s -> s.queuedRequests() == 1, "the result request to wait in the queue");

        closing.close();

        Throwable error = running.awaitTermination();
        assertInstanceOf(IllegalStateException.class, error);
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
        assertEquals(FinishReason.MODEL_CLOSED, ended.result().finishReason());
        assertEquals(null, queued.awaitTermination());
        assertEquals(FinishReason.MODEL_CLOSED, queued.received.getFirst().finishReason());

        StepVerifier.create(r.stream(GenerationRequest.of("abc"))).expectError(IllegalStateException.class)
                .verify(PATIENCE);
        StepVerifier.create(r.generate("abc")).expectError(IllegalStateException.class).verify(PATIENCE);
    }
}
