package dev.rill.server.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The server's shutdown: once {@link #drain()} ran, new requests are refused (503); {@link #endStreams()} tells
 * running generations to end, which they do with a final chunk whose finish reason says so.
 */
public final class Lifecycle {
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Sinks.Empty<Void> endStreams = Sinks.empty();

    /** Whether the server refuses new requests. */
    public boolean isDraining() {
        return draining.get();
    }

    /** Refuses new requests from now on. */
    public void drain() {
        draining.set(true);
    }

    /** Ends every running generation at its next step. */
    public void endStreams() {
        endStreams.tryEmitEmpty();
    }

    /** Completes when running generations must end. */
    Mono<Void> streamsEnding() {
        return endStreams.asMono();
    }

    /** Counts a request that started being served (paired with {@link #finished()}). */
    void started() {
        inFlight.incrementAndGet();
    }

    void finished() {
        inFlight.decrementAndGet();
    }

    /** Requests being served now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Waits until no request is being served, at most {@code timeout}; true when none is. */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
