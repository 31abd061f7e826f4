package dev.rill.reactor;

import dev.rill.ChatMessage;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationException;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.PromptTooLongException;
import dev.rill.RejectedGenerationException;
import dev.rill.RillException;
import dev.rill.StreamToken;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link LanguageModel} seen through Project Reactor: each request becomes a cold {@link Flux} of tokens, or a
 * {@link Mono} of its result. It works the same over an in-process {@link Model} and over any other
 * implementation of the interface; the behaviour below is {@link Model}'s.
 *
 * <pre>{@code
 * ReactiveModel reactive = ReactiveModel.of(model);
 * Flux<String> pieces = reactive.text(GenerationRequest.builder("Once upon a time").maxTokens(64).build())
 *         .publishOn(Schedulers.boundedElastic());   // heavy work off the engine thread
 * }</pre>
 *
 * <p><b>Cold.</b> Every subscription runs a generation of its own, and nothing is queued or decoded before the
 * subscriber's first {@code request(n)}: subscribing twice generates twice.
 *
 * <p><b>Backpressure.</b> A token is decoded only when the subscriber has asked for it: {@code request(n)} lets
 * the engine produce at most {@code n} more tokens for that sequence. While a subscriber has no outstanding demand
 * its sequence keeps its slot and KV cells but sits out of the engine's decode steps, and the other sequences go on
 * without it. Nothing is buffered: each token goes from the sampler to {@code onNext}.
 *
 * <p><b>Cancellation.</b> Cancelling (dispose, {@code take(n)}, {@code timeout}, an error downstream) cancels the
 * generation: a request still in the queue leaves it at once, a running one stops at the engine's next step, and
 * its slot and KV cells are freed then, once. No signal follows a cancel.
 *
 * <p><b>Errors.</b> The request is submitted on the first {@code request(n)}, and what {@link Model#submit} throws
 * arrives as {@code onError} with the same type: {@link RejectedGenerationException} (queue full),
 * {@link PromptTooLongException}, {@link IllegalArgumentException} (token ids outside the vocabulary),
 * {@link IllegalStateException} (model closed), {@link RillException} (chat template). A generation that fails
 * (sampler, llama.cpp, an exception thrown from {@code onNext}) ends with a {@link GenerationException} whose
 * {@link GenerationException#result() result} tells how far it got, as {@link dev.rill.Generation#await()} does.
 * A model closed while a token stream runs ends it with {@link IllegalStateException}; {@link #generate} instead
 * emits the result with {@link FinishReason#MODEL_CLOSED}, as {@link Model#generate} returns it.
 *
 * <p><b>Threads.</b> Tokens, completion and generation errors are signalled on the model's engine thread, which
 * decodes every sequence of the model: downstream work that is slow or blocking must move elsewhere with
 * {@code publishOn(Schedulers.boundedElastic())} (or another scheduler), or every sequence waits for it. The
 * engine never waits for a subscriber, since it only produces what was requested. Errors raised by the
 * submission itself ({@link RejectedGenerationException} and the like) are signalled on the thread that made
 * the first request, which is also where the prompt is tokenized (and its chat template applied).
 *
 * <p>Instances are immutable and safe to share; they hold no resources of their own (close the model).
 */
public final class ReactiveModel {
    private final LanguageModel model;

    private ReactiveModel(LanguageModel model) {
        this.model = model;
    }

    /** A reactive view of {@code model}. */
    public static ReactiveModel of(LanguageModel model) {
        return new ReactiveModel(Objects.requireNonNull(model, "model"));
    }

    /** The model behind this view. */
    public LanguageModel model() {
        return model;
    }

    /**
     * The tokens of a generation of {@code request}, one generation per subscription. Completes after the last
     * token when the generation ends on its own terms or at a limit ({@link FinishReason#END_OF_SEQUENCE},
     * {@link FinishReason#STOP_STRING}, {@link FinishReason#MAX_TOKENS}, {@link FinishReason#CONTEXT_FULL}).
     */
    public Flux<StreamToken> stream(GenerationRequest request) {
        return TokenFlux.of(model, Objects.requireNonNull(request, "request"), null);
    }

    /**
     * As {@link #stream(GenerationRequest)}, and hands each generation's result to {@code onEnd}: once per
     * subscription that started a generation, whatever ended it (including {@link FinishReason#CANCELLED} after
     * a cancel, and {@link FinishReason#ERROR}), after the engine freed the sequence's slot and KV cells and
     * before the terminal signal, if there is one. It runs on the engine thread (or, for a request cancelled
     * while still queued, on the cancelling thread): keep it quick. An exception it throws goes to
     * {@code Hooks.onErrorDropped}. Useful for finish reasons, timings and accounting next to the tokens.
     */
    public Flux<StreamToken> stream(GenerationRequest request, Consumer<? super GenerationResult> onEnd) {
        return TokenFlux.of(model, Objects.requireNonNull(request, "request"), Objects.requireNonNull(onEnd, "onEnd"));
    }

    /**
     * The tokens of a chat generation of {@code request}, one generation per subscription, each with the channel
     * its text went to and what it added to the answer, the reasoning and the tool calls, as
     * {@link LanguageModel#submitChat} parses them (see {@code docs/chat.md}): tool calls form as {@link ChatToken#delta()}s
     * (the name first, then the argument text), reasoning arrives on its own channel, and the tools, tool choice,
     * chat format and reasoning budget of the request apply. Demand, cancellation, errors and threads are as for
     * {@link #stream(GenerationRequest)}: one token per requested item. Completes once the output is parsed.
     *
     * <p><b>Warning:</b> text the parser still held when the generation ended (a trailing piece that might have
     * begun a marker) belongs to no token; it is in {@link ChatResult#tail()}, which
     * {@link #streamChat(GenerationRequest, Consumer)} hands over. Use that variant when every character counts.
     *
     * @throws IllegalArgumentException at once when the request's prompt is not a chat prompt
     */
    public Flux<ChatToken> streamChat(GenerationRequest request) {
        return ChatFlux.of(model, chatOnly(request), null);
    }

    /**
     * As {@link #streamChat(GenerationRequest)}, and hands each generation's parsed result (answer, reasoning,
     * complete tool calls with ids, the {@link ChatResult#tail() tail}, {@link FinishReason#TOOL_CALLS} when the
     * model called tools) to {@code onEnd}: once per subscription that started a generation, whatever ended it,
     * before the terminal signal, on the engine thread (keep it quick), as
     * {@link #stream(GenerationRequest, Consumer)} does. (Should parsing the end itself fail, there is no parsed
     * result: {@code onEnd} is not called and the stream ends with that error.)
     *
     * @throws IllegalArgumentException at once when the request's prompt is not a chat prompt
     */
    public Flux<ChatToken> streamChat(GenerationRequest request, Consumer<? super ChatResult> onEnd) {
        return ChatFlux.of(model, chatOnly(request), Objects.requireNonNull(onEnd, "onEnd"));
    }

    private static GenerationRequest chatOnly(GenerationRequest request) {
        Objects.requireNonNull(request, "request");
        if (!(request.prompt() instanceof Prompt.Chat)) {
            throw new IllegalArgumentException("streamChat needs a chat prompt (Prompt.chat or Prompt.chatBuilder), "
                    + "not " + request.prompt().getClass().getSimpleName());
        }
        return request;
    }

    /**
     * The text of a generation, as the pieces its tokens release ({@link StreamToken#text()}), empty pieces left
     * out (an end-of-sequence token, bytes of a character not yet whole, text that may begin a stop string).
     * Their concatenation is the generated text. Demand counts pieces: a token without text is replaced by the
     * next one.
     */
    public Flux<String> text(GenerationRequest request) {
        return stream(request).handle((token, sink) -> {
            if (!token.text().isEmpty()) {
                sink.next(token.text());
            }
        });
    }

    /** {@link #text(GenerationRequest)} for a text prompt with the default request options. */
    public Flux<String> text(String prompt) {
        return text(GenerationRequest.of(prompt));
    }

    /**
     * Runs a generation of {@code request} per subscription to its end and emits its result (finish reason,
     * text, counts, timings), without streaming the tokens. Like {@link Model#generate}: a generation that fails
     * signals {@link GenerationException}, and a model closed meanwhile gives a result with
     * {@link FinishReason#MODEL_CLOSED}. Cancelling the subscription cancels the generation.
     */
    public Mono<GenerationResult> generate(GenerationRequest request) {
        return ResultMono.of(model, Objects.requireNonNull(request, "request"));
    }

    /** {@link #generate(GenerationRequest)} for a text prompt with the default request options. */
    public Mono<GenerationResult> generate(String prompt) {
        return generate(GenerationRequest.of(prompt));
    }

    /**
     * The assistant's reply to a conversation, rendered with the model's chat template, as tokens, with the
     * default request options. For other options use {@link #stream(GenerationRequest)} with
     * {@code GenerationRequest.builder(Prompt.chat(messages))}. A template that fails to render signals
     * {@link dev.rill.ChatTemplateException}; a model without one gets llama.cpp's default (ChatML).
     */
    public Flux<StreamToken> chatStream(List<ChatMessage> messages) {
        return stream(chatRequest(messages));
    }

    /** As {@link #chatStream}, as text pieces ({@link #text(GenerationRequest)}). */
    public Flux<String> chatText(List<ChatMessage> messages) {
        return text(chatRequest(messages));
    }

    /** As {@link #chatStream}, run to the end: the reply's result ({@link #generate(GenerationRequest)}). */
    public Mono<GenerationResult> chat(List<ChatMessage> messages) {
        return generate(chatRequest(messages));
    }

    private static GenerationRequest chatRequest(List<ChatMessage> messages) {
        return GenerationRequest.builder(Prompt.chat(Objects.requireNonNull(messages, "messages"))).build();
    }

    @Override
    public String toString() {
        return "ReactiveModel[" + model + "]";
    }
}
