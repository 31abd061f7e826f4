package dev.rill.reactor;

import dev.rill.GenerationResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** An {@code onEnd} hook that counts its calls and keeps the first result. */
final class Recorder implements Consumer<GenerationResult> {
    final AtomicInteger calls = new AtomicInteger();
    final CompletableFuture<GenerationResult> first = new CompletableFuture<>();

    @Override
    public void accept(GenerationResult result) {
        calls.incrementAndGet();
        first.complete(result);
    }

    /** The result, waiting for it at most {@link Fixtures#PATIENCE}. */
    GenerationResult result() {
        try {
            return first.get(Fixtures.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("no generation result within " + Fixtures.PATIENCE, e);
        }
    }
}
