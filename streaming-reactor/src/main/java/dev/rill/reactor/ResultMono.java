package dev.rill.reactor;

import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/** One generation per subscriber, run to its end without streaming its tokens; emits its result. */
final class ResultMono extends Mono<GenerationResult> {
    private final LanguageModel model;
    private final GenerationRequest request;

    private ResultMono(LanguageModel model, GenerationRequest request) {
        this.model = model;
        this.request = request;
    }

    static Mono<GenerationResult> of(LanguageModel model, GenerationRequest request) {
        return onAssembly(new ResultMono(model, request));
    }

    @Override
    public void subscribe(CoreSubscriber<? super GenerationResult> actual) {
        ResultSubscription subscription = new ResultSubscription(actual, model, request);
        actual.onSubscribe(subscription);
        subscription.subscribed();
    }

    /** Nothing flows before the end, so the generation runs without a demand of its own. */
    static final class ResultSubscription extends GenerationSubscription<GenerationResult> {
        ResultSubscription(CoreSubscriber<? super GenerationResult> actual, LanguageModel model, GenerationRequest request) {
            super(actual, model, request);
        }

        @Override
        Generation submit() {
            // Tokens are not streamed; the callback only stops a generation cancelled before cancel() could see it.
            return model.submit(request, (token, generation) -> {
                if (cancelled) {
                    generation.cancel();
                }
            });
        }

        @Override
        void finished(GenerationResult result) {
            actual.onNext(result);
            actual.onComplete();
        }

        @Override
        void modelClosed(GenerationResult result) {
            // As Model.generate does: the result says MODEL_CLOSED, with the text generated until then.
            finished(result);
        }
    }
}
