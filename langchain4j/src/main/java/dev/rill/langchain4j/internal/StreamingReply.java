package dev.rill.langchain4j.internal;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.rill.Demand;
import dev.rill.Generation;
import dev.rill.GenerationException;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.StreamToken;
import dev.rill.TokenCallback;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * One streamed reply: takes the engine's tokens, hands their text to the handler as partial responses (through
 * the reply's {@link ReplyParser}), and ends with the complete response or an error.
 *
 * <p>Every handler call happens on the thread that delivers tokens (the model's engine thread): the request
 * waits for demand until its end is hooked, so even a reply that ends at once does not end on the caller's
 * thread. As LangChain4j's own models do, an exception thrown by {@code onPartialResponse} (or another partial
 * callback) or by {@code onCompleteResponse} is passed to {@code onError} and the stream goes on; one thrown by
 * {@code onError} is dropped. After {@link #cancel()} the handler hears nothing more.
 */
public final class StreamingReply implements TokenCallback, ReplySink, StreamingHandle, Demand {
    private final StreamingChatResponseHandler handler;
    private final ReplyParser parser;
    private final String modelName;
    private final String id = ChatResponses.newId();
    private final ReplyBuilder reply = new ReplyBuilder();
    private final List<StreamToken> tokens = new ArrayList<>();
    private final PartialResponseContext responseContext = new PartialResponseContext(this);
    private final PartialThinkingContext thinkingContext = new PartialThinkingContext(this);
    private final PartialToolCallContext toolCallContext = new PartialToolCallContext(this);
    private volatile Generation generation;
    private volatile boolean open;
    private volatile boolean cancelled;

    private StreamingReply(StreamingChatResponseHandler handler, ReplyParser parser, String modelName) {
        this.handler = handler;
        this.parser = parser;
        this.modelName = modelName;
    }

    /**
     * Submits {@code request} and streams its reply to {@code handler}. A request the model refuses at once
     * (queue full, prompt too long, model closed) goes to {@code onError}.
     */
    public static void start(LanguageModel model, GenerationRequest request, ReplyParser parser, String modelName,
                             StreamingChatResponseHandler handler) {
        StreamingReply reply = new StreamingReply(handler, parser, modelName);
        Generation generation;
        try {
            generation = model.submit(request, reply, reply);
        } catch (RuntimeException e) {
            reply.error(e);
            return;
        }
        reply.generation = generation;
        generation.result().thenAccept(reply::ended);
        reply.open = true;
        generation.demandChanged();
        if (reply.cancelled) {
            generation.cancel();
        }
    }

    @Override
    public boolean hasDemand() {
        return open;
    }

    @Override
    public void onToken(StreamToken token, Generation ignored) {
        tokens.add(token);
        if (!token.text().isEmpty() && !cancelled) {
            parser.accept(token.text(), this);
        }
    }

    @Override
    public void text(String piece) {
        reply.text(piece);
        if (!cancelled) {
            try {
                handler.onPartialResponse(new PartialResponse(piece), responseContext);
            } catch (RuntimeException e) {
                error(e);
            }
        }
    }

    @Override
    public void thinking(String piece) {
        reply.thinking(piece);
        if (!cancelled) {
            try {
                handler.onPartialThinking(new PartialThinking(piece), thinkingContext);
            } catch (RuntimeException e) {
                error(e);
            }
        }
    }

    @Override
    public void partialToolCall(int index, String callId, String name, String partialArguments) {
        if (!cancelled) {
            try {
                handler.onPartialToolCall(PartialToolCall.builder().index(index).id(callId).name(name)
                        .partialArguments(partialArguments).build(), toolCallContext);
            } catch (RuntimeException e) {
                error(e);
            }
        }
    }

    @Override
    public void completeToolCall(int index, String callId, String name, String arguments) {
        reply.completeToolCall(index, callId, name, arguments);
        if (!cancelled) {
            try {
                handler.onCompleteToolCall(new CompleteToolCall(index,
                        ToolExecutionRequest.builder().id(callId).name(name).arguments(arguments).build()));
            } catch (RuntimeException e) {
                error(e);
            }
        }
    }

    /** Runs once, when the generation has ended and its state was freed. */
    private void ended(GenerationResult result) {
        if (cancelled) {
            return;
        }
        switch (result.finishReason()) {
            case END_OF_SEQUENCE, STOP_STRING, MAX_TOKENS, CONTEXT_FULL -> completed(result);
            case ERROR -> {
                Throwable cause = result.failure().orElse(null);
                error(new GenerationException("generation failed after " + result.generatedTokens() + " tokens: "
                        + (cause == null ? "unknown error" : cause.getMessage()), cause, result));
            }
            case MODEL_CLOSED -> error(new IllegalStateException("the model was closed after "
                    + result.generatedTokens() + " tokens of the reply"));
            case CANCELLED -> error(new CancellationException("the generation was cancelled by something other "
                    + "than the streaming handle"));
        }
    }

    private void completed(GenerationResult result) {
        try {
            parser.finish(this);
        } catch (RuntimeException e) {
            error(e);
            return;
        }
        ChatResponse response = ChatResponses.of(id, modelName, reply, result, tokens);
        try {
            handler.onCompleteResponse(response);
        } catch (RuntimeException e) {
            error(e);
        }
    }

    private void error(Throwable error) {
        try {
            handler.onError(error);
        } catch (RuntimeException ignored) {
            // LangChain4j's contract: an exception from onError is not passed on.
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
        Generation g = generation;
        if (g != null) {
            g.cancel();
        }
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }
}
