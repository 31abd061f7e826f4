package dev.rill.reactor;

import dev.rill.Demand;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.LanguageModel;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.util.annotation.Nullable;

/**
 * A generation that streams one item per token, paced by its subscriber: the subscription is also the
 * generation's {@link Demand}. The engine asks {@link #hasDemand()} before each step and delivers at most one
 * token per step, so answering {@code requested > delivered} never produces a token nobody asked for.
 *
 * @param <T> what each token becomes for the subscriber
 */
abstract class StreamingSubscription<T> extends GenerationSubscription<T> implements Demand {
    /** Items handed to the subscriber; engine thread only. */
    private long delivered;

    StreamingSubscription(CoreSubscriber<? super T> actual, LanguageModel model, GenerationRequest request) {
        super(actual, model, request);
    }

    @Override
    public final boolean hasDemand() {
        // A cancelled subscription wants nothing more, even before its cancel reaches the engine.
        return requested > delivered && !cancelled;
    }

    /** Hands the item made of token {@code index} to the subscriber; called from the engine's token callback. */
    final void deliver(T item, int index, Generation generation) {
        if (cancelled) {
            // The cancel may have come before the generation was published to cancel(); stop it from here.
            generation.cancel();
            return;
        }
        if (delivered >= requested) {
            // The engine checks hasDemand() before every step and delivers one token per step; reaching this
            // is a bug, and ends the generation with ERROR rather than overrunning the subscriber.
            throw Exceptions.failWithOverflow("token " + index + " produced without demand ("
                    + requested + " requested, " + delivered + " delivered)");
        }
        delivered++;
        actual.onNext(item);
        if (cancelled) {
            // Cancelled from onNext (take(n), say): the engine then frees the sequence before its next step.
            generation.cancel();
        }
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
