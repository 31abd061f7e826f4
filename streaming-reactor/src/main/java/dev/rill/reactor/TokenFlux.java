package dev.rill.reactor;

import dev.rill.Demand;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.StreamToken;
import dev.rill.TokenCallback;
import java.util.function.Consumer;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.util.annotation.Nullable;

/** The tokens of one generation per subscriber, decoded only while the subscriber has outstanding demand. */
final class TokenFlux extends Flux<StreamToken> {
    private final LanguageModel model;
    private final GenerationRequest request;
    private final Consumer<? super GenerationResult> onEnd;

    private TokenFlux(LanguageModel model, GenerationRequest request, @Nullable Consumer<? super GenerationResult> onEnd) {
        this.model = model;
        this.request = request;
        this.onEnd = onEnd;
    }

    static Flux<StreamToken> of(LanguageModel model, GenerationRequest request,
                                @Nullable Consumer<? super GenerationResult> onEnd) {
        return onAssembly(new TokenFlux(model, request, onEnd));
    }

    @Override
    public void subscribe(CoreSubscriber<? super StreamToken> actual) {
        TokenSubscription subscription = new TokenSubscription(actual, model, request, onEnd);
        actual.onSubscribe(subscription);
        subscription.subscribed();
    }

    /**
     * The subscription is also the generation's {@link Demand} and {@link TokenCallback}: the engine asks
     * {@link #hasDemand()} before each step and delivers at most one token per step, so answering
     * {@code requested > delivered} never produces a token nobody asked for.
     */
    static final class TokenSubscription extends GenerationSubscription<StreamToken> implements Demand, TokenCallback {
        /** Tokens handed to the subscriber; engine thread only. */
        private long delivered;

        TokenSubscription(CoreSubscriber<? super StreamToken> actual, LanguageModel model, GenerationRequest request,
                          @Nullable Consumer<? super GenerationResult> onEnd) {
            super(actual, model, request, onEnd);
        }

        @Override
        Generation submit() {
            return model.submit(request, this, this);
        }

        @Override
        public boolean hasDemand() {
            // A cancelled subscription wants nothing more, even before its cancel reaches the engine.
            return requested > delivered && !cancelled;
        }

        @Override
        public void onToken(StreamToken token, Generation generation) {
            if (cancelled) {
                // The cancel may have come before the generation was published to cancel(); stop it from here.
                generation.cancel();
                return;
            }
            if (delivered >= requested) {
                // The engine checks hasDemand() before every step and delivers one token per step; reaching this
                // is a bug, and ends the generation with ERROR rather than overrunning the subscriber.
                throw Exceptions.failWithOverflow("token " + token.index() + " produced without demand ("
                        + requested + " requested, " + delivered + " delivered)");
            }
            delivered++;
            actual.onNext(token);
            if (cancelled) {
                // Cancelled from onNext (take(n), say): the engine then frees the sequence before its next step.
                generation.cancel();
            }
        }

        @Override
        void finished(GenerationResult result) {
            actual.onComplete();
        }

        @Override
        void modelClosed(GenerationResult result) {
            actual.onError(closed(model, result));
        }

        @Override
        @Nullable
        public Object scanUnsafe(Attr key) {
            if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
                long r = requested;
                return r == Long.MAX_VALUE ? r : r - delivered;
            }
            return super.scanUnsafe(key);
        }
    }
}
