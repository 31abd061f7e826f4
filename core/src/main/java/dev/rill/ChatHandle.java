package dev.rill;

import dev.rill.internal.chat.ChatOutput;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.concurrent.TimeoutException;

/** A chat generation's handle: the engine's {@link Generation} and the parsed result made from its end. */
final class ChatHandle implements ChatGeneration {
    private final Generation generation;
    private final ParsedFuture parsed;

    ChatHandle(Generation generation, ChatOutput output) {
        this(generation, output::finish);
    }

    /** A handle whose parsed result {@code finisher} makes from the generation's result, once. */
    ChatHandle(Generation generation, Function<GenerationResult, ChatResult> finisher) {
        this.generation = generation;
        this.parsed = new ParsedFuture(generation);
        generation.result().whenComplete((result, failure) -> {
            if (result != null) {
                try {
                    parsed.complete(finisher.apply(result));
                } catch (RuntimeException e) {
                    parsed.completeExceptionally(e);
                }
            } else if (failure != null) {
                parsed.completeExceptionally(failure);
            }
        });
    }

    /** The caller's future: cancelling it cancels the generation. */
    private static final class ParsedFuture extends CompletableFuture<ChatResult> {
        private final Generation generation;

        ParsedFuture(Generation generation) {
            this.generation = generation;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                generation.cancel();
            }
            return cancelled;
        }
    }

    @Override
    public CompletableFuture<ChatResult> chatResult() {
        return parsed;
    }

    @Override
    public ChatResult awaitChat() {
        generation.await(); // throws for ERROR, refuses the engine thread
        return parsed.join();
    }

    @Override
    public void cancel() {
        generation.cancel();
    }

    @Override
    public void demandChanged() {
        generation.demandChanged();
    }

    @Override
    public void switchAdapters(AdapterSet adapters) {
        generation.switchAdapters(adapters);
    }

    @Override
    public void switchAdaptersAndReevaluate(AdapterSet adapters) {
        generation.switchAdaptersAndReevaluate(adapters);
    }

    @Override
    public boolean isDone() {
        return generation.isDone();
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return generation.result();
    }

    @Override
    public GenerationResult await() {
        return generation.await();
    }

    @Override
    public GenerationResult await(Duration timeout) throws TimeoutException {
        return generation.await(timeout);
    }
}
