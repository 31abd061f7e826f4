package dev.rill;

/**
 * What a model offers for generation and embeddings, wherever it runs: {@link Model} runs it in this process on
 * llama.cpp, and other implementations (such as a client of an OpenAI-compatible server) run it elsewhere.
 * Code written against this interface, like the reactive view and the framework integrations, works the same
 * with either.
 *
 * <pre>{@code
 * LanguageModel model = Model.load(Path.of("model.gguf"));
 * GenerationRequest request = GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Hello"))))
 *         .maxTokens(64).build();
 * GenerationResult result = model.generate(request, (token, generation) -> System.out.print(token.text()));
 * }</pre>
 *
 * <p><b>Contract.</b> Every implementation streams tokens to a {@link TokenCallback} in order, honours a
 * {@link Demand} (no demand, no tokens), stops at {@link Generation#cancel()}, keeps stop strings out of the
 * text and reports how a generation ended in a {@link GenerationResult}. Token callbacks run on a thread the
 * implementation owns and must be quick. An implementation that cannot honour part of a request (a field of
 * {@link StreamToken} it has no source for, a sampler it cannot run) says so in its documentation or refuses the
 * request with {@link IllegalArgumentException}; it never ignores it silently.
 *
 * <p>Only in-process models offer what needs the weights or the vocabulary in this process: tokenization, chat
 * template rendering, LoRA adapters loaded from files and grammars ({@link Grammar} is bound to a {@link Model}).
 * Those stay on {@link Model}.
 */
public interface LanguageModel extends AutoCloseable {

    /** Facts about the model and what serves it. */
    ModelInfo info();

    /**
     * Generates a continuation of a text prompt with the default request options, streaming each token to
     * {@code callback}, and waits for the end.
     *
     * @throws GenerationException when the callback, the sampler or the model failed
     */
    default GenerationResult generate(String prompt, TokenCallback callback) {
        return generate(GenerationRequest.of(prompt), callback);
    }

    /**
     * Runs a request, streaming each token to {@code callback}, and waits for the end.
     *
     * @throws GenerationException when the callback, the sampler or the model failed
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalStateException when called from a token callback, or after close
     */
    GenerationResult generate(GenerationRequest request, TokenCallback callback);

    /**
     * Queues a request and returns at once with a handle to cancel it or wait for its result.
     *
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalStateException after close
     */
    default Generation submit(GenerationRequest request, TokenCallback callback) {
        return submit(request, callback, Demand.unbounded());
    }

    /**
     * Queues a request whose tokens are produced only while {@code demand} says so; call
     * {@link Generation#demandChanged()} when demand returns. This is the hook reactive adapters build on.
     *
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalArgumentException when the request uses something this model cannot run (for a
     *     {@link Model}: a grammar or an adapter of another model)
     * @throws IllegalStateException after close
     */
    Generation submit(GenerationRequest request, TokenCallback callback, Demand demand);

    /**
     * Runs a chat request, streaming each token with its channel (answer, reasoning, tool call) to
     * {@code callback}, and waits for the end: see {@link #submitChat(GenerationRequest, ChatCallback, Demand)}.
     *
     * @throws GenerationException when the callback, the sampler or the model failed
     * @throws IllegalStateException when called from a token callback, or after close
     */
    default ChatResult chat(GenerationRequest request, ChatCallback callback) {
        return submitChat(request, callback, Demand.unbounded()).awaitChat();
    }

    /** {@link #submitChat(GenerationRequest, ChatCallback, Demand)} without backpressure. */
    default ChatGeneration submitChat(GenerationRequest request, ChatCallback callback) {
        return submitChat(request, callback, Demand.unbounded());
    }

    /**
     * Queues a chat request (its prompt a {@link Prompt.Chat}, with tools if any) whose output arrives parsed: each
     * token reaches {@code callback} with the channel its text went to and what it added to each, tool calls as
     * they form (name first, then argument text); the result ({@link ChatGeneration#chatResult()}) has the answer,
     * the reasoning, the complete calls with ids, and {@link FinishReason#TOOL_CALLS} when the model called tools.
     * A {@link Model} parses its own output; a remote model reads the parsed fields its server sends.
     *
     * @throws IllegalArgumentException when the prompt is not a chat prompt, or the request uses something this
     *     model cannot run
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalStateException after close
     */
    ChatGeneration submitChat(GenerationRequest request, ChatCallback callback, Demand demand);

    /**
     * An embedder on this model; close it when done, or let {@link #close()} close it.
     *
     * @throws IllegalStateException after close
     */
    TextEmbedder embedder(EmbeddingOptions options);

    /** An embedder with {@link EmbeddingOptions#defaults()}. */
    default TextEmbedder embedder() {
        return embedder(EmbeddingOptions.defaults());
    }

    /** Whether {@link #close()} has run (or is running). */
    boolean isClosed();

    /**
     * Ends every generation ({@link FinishReason#MODEL_CLOSED}) and frees what the model holds. Idempotent.
     */
    @Override
    void close();
}
