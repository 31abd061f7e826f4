package dev.rill.reactor;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/** A subscriber that requests only {@code initial} on subscription and then what the test asks for. */
final class PacedSubscriber<T> extends BaseSubscriber<T> {
    final List<T> received = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> terminated = new CompletableFuture<>();
    private final long initial;
    private volatile CompletableFuture<Void> countReached = new CompletableFuture<>();
    private volatile int awaitedCount = Integer.MAX_VALUE;

    PacedSubscriber(long initial) {
        this.initial = initial;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        if (initial > 0) {
            request(initial);
        }
    }

    @Override
    protected void hookOnNext(T value) {
        received.add(value);
        threads.add(Thread.currentThread().getName());
        if (received.size() >= awaitedCount) {
            countReached.complete(null);
        }
    }

    @Override
    protected void hookOnComplete() {
        terminated.complete(null);
    }

    @Override
    protected void hookOnError(Throwable throwable) {
        terminated.complete(throwable);
    }

    /** Requests straight from the subscription, bypassing BaseSubscriber's own checks. */
    void requestUnchecked(long n) {
        upstream().request(n);
    }

    /** Waits until {@code count} values arrived in all. */
    List<T> awaitCount(int count) {
        CompletableFuture<Void> reached = new CompletableFuture<>();
        countReached = reached;
        awaitedCount = count;
        if (received.size() >= count) {
            reached.complete(null);
        }
        try {
            reached.get(Fixtures.PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("received " + received.size() + " of " + count + " values", e);
        }
        return List.copyOf(received);
    }

    /** Waits for onComplete (null) or onError (the error). */
    Throwable awaitTermination() {
        try {
            return terminated.get(Fixtures.PATIENCE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("no terminal signal", e);
        }
    }
}
