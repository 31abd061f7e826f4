package dev.rill.reactor;

import dev.rill.ChatCallback;
import dev.rill.ChatGeneration;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.util.annotation.Nullable;

/**
 * The tokens of one chat generation per subscriber, each with the channel its text went to, decoded only while
 * the subscriber has outstanding demand. Completes once the output is parsed ({@link ChatResult}).
 */
final class ChatFlux extends Flux<ChatToken> {
    private final LanguageModel model;
    private final GenerationRequest request;
    private final Consumer<? super ChatResult> onEnd;

    private ChatFlux(LanguageModel model, GenerationRequest request, @Nullable Consumer<? super ChatResult> onEnd) {
        this.model = model;
        this.request = request;
        this.onEnd = onEnd;
    }

    static Flux<ChatToken> of(LanguageModel model, GenerationRequest request,
                              @Nullable Consumer<? super ChatResult> onEnd) {
        return onAssembly(new ChatFlux(model, request, onEnd));
    }

    @Override
    public void subscribe(CoreSubscriber<? super ChatToken> actual) {
        ChatSubscription subscription = new ChatSubscription(actual, model, request, onEnd);
        actual.onSubscribe(subscription);
        subscription.subscribed();
    }

    /** The subscription is the generation's {@link ChatCallback}; its end waits for the parsed result. */
    static final class ChatSubscription extends StreamingSubscription<ChatToken> implements ChatCallback {
        private final Consumer<? super ChatResult> onEnd;
        /** The parsed result, set before {@link #reportEnd}; null when parsing the end failed. */
        private volatile ChatResult chatResult;
        private volatile Throwable parseFailure;

        ChatSubscription(CoreSubscriber<? super ChatToken> actual, LanguageModel model, GenerationRequest request,
                         @Nullable Consumer<? super ChatResult> onEnd) {
            super(actual, model, request);
            this.onEnd = onEnd;
        }

        @Override
        Generation submit() {
            return model.submitChat(request, this, this);
        }

        @Override
        public void onToken(ChatToken token, Generation generation) {
            deliver(token, token.token().index(), generation);
        }

        @Override
        CompletionStage<GenerationResult> end(Generation generation) {
            ChatGeneration chat = (ChatGeneration) generation;
            return chat.chatResult().handle((parsed, failure) -> {
                if (parsed != null) {
                    chatResult = parsed;
                    return parsed.generation();
                }
                parseFailure = failure;
                return chat.result().join(); // complete: the parsed result is made from it
            });
        }

        @Override
        void reportEnd(GenerationResult result) {
            ChatResult parsed = chatResult;
            if (onEnd != null && parsed != null) {
                onEnd.accept(parsed);
            }
        }

        @Override
        void finished(GenerationResult result) {
            Throwable failure = parseFailure;
            if (failure != null) {
                actual.onError(failure);
            } else {
                actual.onComplete();
            }
        }

        @Override
        void modelClosed(GenerationResult result) {
            actual.onError(closed(model, result));
        }
    }
}
