package dev.rill.langchain4j.internal;

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
import dev.rill.ChatCallback;
import dev.rill.ChatDelta;
import dev.rill.ChatGeneration;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.Demand;
import dev.rill.Generation;
import dev.rill.GenerationException;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.StreamToken;
import dev.rill.ToolCallDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * One streamed reply: takes the engine's chat tokens and hands what each adds to the handler: answer text as
 * partial responses, reasoning as partial thinking, pieces of tool calls as partial tool calls (each with its
 * call's index, id and name; blank pieces go out with the next); when the generation ends, what the parser held back, each complete tool call, then
 * the complete response, or an error.
 *
 * <p>Every handler call happens on the thread that delivers tokens (the model's engine thread): the request
 * waits for demand until its end is hooked, so even a reply that ends at once does not end on the caller's
 * thread. As LangChain4j's own models do, an exception thrown by {@code onPartialResponse} (or another partial
 * callback) or by {@code onCompleteResponse} is passed to {@code onError} and the stream goes on; one thrown by
 * {@code onError} is dropped. After {@link #cancel()} the handler hears nothing more.
 */
public final class StreamingReply implements ChatCallback, StreamingHandle, Demand {
    private final StreamingChatResponseHandler handler;
    private final String modelName;
    private final String id = ChatResponses.newId();
    private final List<StreamToken> tokens = new ArrayList<>();
    /** Each tool call's first delta (it carries the id and name), by index. */
    private final Map<Integer, ToolCallDelta> calls = new HashMap<>();
    /** Blank argument text held back, by call index, to go out with the call's next visible piece. */
    private final Map<Integer, String> blanks = new HashMap<>();
    private final PartialResponseContext responseContext = new PartialResponseContext(this);
    private final PartialThinkingContext thinkingContext = new PartialThinkingContext(this);
    private final PartialToolCallContext toolCallContext = new PartialToolCallContext(this);
    private volatile Generation generation;
    private volatile boolean open;
    private volatile boolean cancelled;

    private StreamingReply(StreamingChatResponseHandler handler, String modelName) {
        this.handler = handler;
        this.modelName = modelName;
    }

    /**
     * Submits {@code request} and streams its reply to {@code handler}. A request the model refuses at once
     * (queue full, prompt too long, model closed) goes to {@code onError}.
     */
    public static void start(LanguageModel model, GenerationRequest request, String modelName,
                             StreamingChatResponseHandler handler) {
        StreamingReply reply = new StreamingReply(handler, modelName);
        ChatGeneration generation;
        try {
            generation = model.submitChat(request, reply, reply);
        } catch (RuntimeException e) {
            reply.error(e);
            return;
        }
        reply.generation = generation;
        generation.chatResult().thenAccept(reply::ended);
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
    public void onToken(ChatToken token, Generation ignored) {
        tokens.add(token.token());
        deliver(token.delta());
    }

    private void deliver(ChatDelta delta) {
        if (!delta.reasoning().isEmpty()) {
            call(() -> handler.onPartialThinking(new PartialThinking(delta.reasoning()), thinkingContext));
        }
        if (!delta.content().isEmpty()) {
            call(() -> handler.onPartialResponse(new PartialResponse(delta.content()), responseContext));
        }
        for (ToolCallDelta piece : delta.toolCalls()) {
            ToolCallDelta first = piece.first() ? piece : calls.get(piece.index());
            if (piece.first()) {
                calls.put(piece.index(), piece);
            }
            if (first == null || piece.arguments().isEmpty()) {
                continue;
            }
            String arguments = blanks.getOrDefault(piece.index(), "") + piece.arguments();
            if (arguments.isBlank()) {
                blanks.put(piece.index(), arguments); // LangChain4j's partial calls carry visible text
                continue;
            }
            blanks.remove(piece.index());
            partialToolCall(piece.index(), first, arguments);
        }
    }

    private void partialToolCall(int index, ToolCallDelta first, String arguments) {
        call(() -> handler.onPartialToolCall(PartialToolCall.builder().index(index).id(first.id())
                .name(first.name()).partialArguments(arguments).build(), toolCallContext));
    }

    /** Runs a handler callback unless cancelled; what it throws goes to {@code onError}. */
    private void call(Runnable callback) {
        if (cancelled) {
            return;
        }
        try {
            callback.run();
        } catch (RuntimeException e) {
            error(e);
        }
    }

    /** Runs once, when the generation has ended and its state was freed. */
    private void ended(ChatResult chat) {
        if (cancelled) {
            return;
        }
        GenerationResult result = chat.generation();
        switch (result.finishReason()) {
            case END_OF_SEQUENCE, STOP_STRING, MAX_TOKENS, CONTEXT_FULL, TOOL_CALLS -> completed(chat);
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

    private void completed(ChatResult chat) {
        deliver(chat.tail());
        blanks.forEach((index, arguments) -> partialToolCall(index, calls.get(index), arguments));
        for (int i = 0; i < chat.toolCalls().size(); i++) {
            CompleteToolCall complete = new CompleteToolCall(i, ChatResponses.request(chat.toolCalls().get(i)));
            call(() -> handler.onCompleteToolCall(complete));
        }
        ChatResponse response = ChatResponses.of(id, modelName, chat, tokens);
        call(() -> handler.onCompleteResponse(response));
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
