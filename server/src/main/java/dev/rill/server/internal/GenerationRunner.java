package dev.rill.server.internal;

import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.adapters.AdapterLease;
import dev.rill.adapters.AdapterSelection;
import dev.rill.reactor.ReactiveModel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs one generation for a request as a {@link Flux} of tokens whose demand comes from the response: the
 * subscriber (the socket's writer) requests tokens as the connection takes them, so a client that stops reading
 * leaves its sequence out of the engine's steps, and a client that disconnects cancels the generation, which the
 * engine ends at its next step.
 *
 * <p>The adapters are pinned from the subscription until the token stream ends. When the server shuts down, the
 * stream ends early and {@link Run#result()} then reports the generation as cancelled.
 */
final class GenerationRunner {
    /** How long to wait for the engine to report a cancelled generation's end. */
    private static final Duration END_WAIT = Duration.ofSeconds(5);

    private final ServedModel served;
    private final ReactiveModel reactive;
    private final Lifecycle lifecycle;
    private final ServerMetrics metrics;

    GenerationRunner(ServedModel served, Lifecycle lifecycle, ServerMetrics metrics) {
        this.served = served;
        this.reactive = ReactiveModel.of(served.model());
        this.lifecycle = lifecycle;
        this.metrics = metrics;
    }

    /**
     * One generation: its tokens (cold; one generation for the one subscription), and its result once it ended.
     */
    record Run(Flux<StreamToken> tokens, CompletableFuture<GenerationResult> end) {

        /**
         * The result, once the token stream ended; empty when the engine did not report one in time (a
         * generation that never started).
         */
        Mono<GenerationResult> result() {
            return Mono.fromFuture(end, true).timeout(END_WAIT, Mono.empty());
        }
    }

    /**
     * One chat generation, its output parsed into answer, reasoning and tool calls: its tokens with their channels
     * (cold; one generation for the one subscription), and its parsed result once it ended.
     */
    record ChatRun(Flux<ChatToken> tokens, CompletableFuture<ChatResult> end) {

        /** The parsed result, once the token stream ended; empty as {@link Run#result()} says. */
        Mono<ChatResult> result() {
            return Mono.fromFuture(end, true).timeout(END_WAIT, Mono.empty());
        }
    }

    Run start(GenerationRequest.Builder request, AdapterSelection adapters) {
        CompletableFuture<GenerationResult> end = new CompletableFuture<>();
        return new Run(run(request, adapters, built -> reactive.stream(built, result -> {
            metrics.generation(result);
            end.complete(result);
        })), end);
    }

    /** As {@link #start}, for a chat request whose output core parses ({@link ReactiveModel#streamChat}). */
    ChatRun startChat(GenerationRequest.Builder request, AdapterSelection adapters) {
        CompletableFuture<ChatResult> end = new CompletableFuture<>();
        return new ChatRun(run(request, adapters, built -> reactive.streamChat(built, result -> {
            metrics.generation(result.generation());
            end.complete(result);
        })), end);
    }

    /** The stream of {@code generate}, with the adapters pinned from subscription to end, cut short at shutdown. */
    private <T> Flux<T> run(GenerationRequest.Builder request, AdapterSelection adapters,
                            Function<GenerationRequest, Flux<T>> generate) {
        return Flux.defer(() -> {
            AdapterLease lease = adapters.isEmpty() ? null : served.adapters().acquire(adapters);
            GenerationRequest built;
            try {
                built = (lease == null ? request : request.adapters(lease.adapters())).build();
            } catch (RuntimeException e) {
                if (lease != null) {
                    lease.close();
                }
                throw e;
            }
            Flux<T> items;
            try {
                items = generate.apply(built);
            } catch (RuntimeException e) {
                if (lease != null) {
                    lease.close();
                }
                throw e;
            }
            return items.takeUntilOther(lifecycle.streamsEnding())
                    .doFinally(signal -> {
                        if (lease != null) {
                            lease.close();
                        }
                    });
        });
    }

    /** The OpenAI {@code finish_reason} of a result; {@code abort} for a generation the server ended. */
    static String finishReason(GenerationResult result) {
        if (result == null) {
            return "abort";
        }
        return finishReason(result.finishReason());
    }

    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case END_OF_SEQUENCE, STOP_STRING -> "stop";
            case TOOL_CALLS -> "tool_calls";
            case MAX_TOKENS, CONTEXT_FULL -> "length";
            case CANCELLED, MODEL_CLOSED -> "abort";
            case ERROR -> "error";
        };
    }
}
