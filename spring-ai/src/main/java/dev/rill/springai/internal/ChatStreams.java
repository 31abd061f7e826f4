package dev.rill.springai.internal;

import dev.rill.ChatGeneration;
import dev.rill.ChatResult;
import dev.rill.Demand;
import dev.rill.GenerationException;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import java.util.concurrent.CancellationException;
import org.springframework.ai.chat.model.ChatResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A chat generation as a cold {@code Flux<ChatResponse>} driven by demand: the engine produces a token only while
 * the subscriber has asked for more responses than it received (each token yields at most one response), and
 * cancelling ends the generation at the engine's next step. Signals arrive on the engine thread.
 */
public final class ChatStreams {
    private ChatStreams() {
    }

    /** One generation of {@code request} per subscriber. */
    public static Flux<ChatResponse> stream(LanguageModel model, GenerationRequest request, String id,
                                            String modelName) {
        return Flux.create(sink -> start(model, request, id, modelName, sink), FluxSink.OverflowStrategy.BUFFER);
    }

    private static void start(LanguageModel model, GenerationRequest request, String id, String modelName,
                              FluxSink<ChatResponse> sink) {
        Demand demand = () -> sink.requestedFromDownstream() > 0 && !sink.isCancelled();
        ChatGeneration generation;
        try {
            generation = model.submitChat(request, (token, running) -> {
                ChatResponse piece = SpringResponses.piece(id, modelName, token);
                if (piece != null) {
                    sink.next(piece);
                }
            }, demand);
        } catch (RuntimeException e) {
            sink.error(e);
            return;
        }
        sink.onRequest(n -> generation.demandChanged());
        sink.onCancel(generation::cancel);
        generation.chatResult().thenAccept(chat -> ended(model, chat, id, modelName, sink));
        generation.demandChanged();
    }

    private static void ended(LanguageModel model, ChatResult chat, String id, String modelName,
                              FluxSink<ChatResponse> sink) {
        GenerationResult result = chat.generation();
        switch (result.finishReason()) {
            case END_OF_SEQUENCE, STOP_STRING, MAX_TOKENS, CONTEXT_FULL, TOOL_CALLS -> {
                SpringResponses.last(id, modelName, chat).forEach(sink::next);
                sink.complete();
            }
            case ERROR -> {
                Throwable cause = result.failure().orElse(null);
                sink.error(new GenerationException("generation failed after " + result.generatedTokens()
                        + " tokens: " + (cause == null ? "unknown error" : cause.getMessage()), cause, result));
            }
            case MODEL_CLOSED -> sink.error(new IllegalStateException("the model " + model
                    + " was closed after " + result.generatedTokens() + " tokens of this generation"));
            case CANCELLED -> {
                if (!sink.isCancelled()) {
                    sink.error(new CancellationException("the generation was cancelled by something other than "
                            + "this subscriber"));
                }
            }
        }
    }
}
