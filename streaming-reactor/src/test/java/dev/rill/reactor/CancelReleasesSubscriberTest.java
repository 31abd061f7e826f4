package dev.rill.reactor;

import static dev.rill.reactor.Fixtures.PATIENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.GenerationRequest;
import dev.rill.Model;
import dev.rill.StreamToken;
import dev.rill.testkit.Reachability;
import java.lang.ref.WeakReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Rule 3.13 with a bounded wait: once a cancelled generation has left the engine, nothing in Rill or the engine
 * still reaches the subscriber. The wait ends as soon as a collection clears the reference, so a leak is the
 * only way to reach the deadline.
 */
class CancelReleasesSubscriberTest {
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

    /** A subscriber that only records its subscription and first token. */
    private static final class FirstToken implements Subscriber<StreamToken> {
        final CompletableFuture<Subscription> subscription = new CompletableFuture<>();
        final CompletableFuture<StreamToken> first = new CompletableFuture<>();

        @Override
        public void onSubscribe(Subscription s) {
            subscription.complete(s);
        }

        @Override
        public void onNext(StreamToken token) {
            first.complete(token);
        }

        @Override
        public void onError(Throwable t) {
            first.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
        }
    }

    /** Subscribes, takes one token, cancels; returns only a weak reference so that this frame holds nothing. */
    private static WeakReference<FirstToken> subscribeTakeOneAndCancel() throws Exception {
        FirstToken subscriber = new FirstToken();
        reactive.stream(GenerationRequest.builder("abc").maxTokens(100).build()).subscribe(subscriber);
        Subscription subscription = subscriber.subscription.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        subscription.request(1);
        StreamToken token = subscriber.first.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("d", token.text());
        subscription.cancel();
        return new WeakReference<>(subscriber);
    }

    @Test
    void aCancelledSubscriberIsUnreachableOnceItsGenerationLeftTheEngine() throws Exception {
        long completedBefore = model.stats().completedGenerations();
        WeakReference<FirstToken> reference = subscribeTakeOneAndCancel();
        Fixtures.awaitStats(model, s -> s.completedGenerations() > completedBefore && s.activeSequences() == 0,
                "the cancelled generation to leave the engine");
        assertTrue(Reachability.collectedWithin(reference, PATIENCE),
                "the subscriber is still reachable " + PATIENCE + " after its generation was cancelled");
    }
}
