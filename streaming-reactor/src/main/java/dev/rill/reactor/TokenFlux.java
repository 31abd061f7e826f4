package dev.rill.reactor;

import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.StreamToken;
import dev.rill.TokenCallback;
import java.util.function.Consumer;
import reactor.core.CoreSubscriber;
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

    /** The subscription is the generation's {@link TokenCallback}: each token goes to the subscriber as it is. */
    static final class TokenSubscription extends StreamingSubscription<StreamToken> implements TokenCallback {
        private final Consumer<? super GenerationResult> onEnd;

        TokenSubscription(CoreSubscriber<? super StreamToken> actual, LanguageModel model, GenerationRequest request,
                          @Nullable Consumer<? super GenerationResult> onEnd) {
            super(actual, model, request);
            this.onEnd = onEnd;
        }

        @Override
        Generation submit() {
            return model.submit(request, this, this);
        }

        @Override
        public void onToken(StreamToken token, Generation generation) {
            deliver(token, token.index(), generation);
        }

        @Override
        void reportEnd(GenerationResult result) {
            if (onEnd != null) {
                onEnd.accept(result);
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
    }
}
