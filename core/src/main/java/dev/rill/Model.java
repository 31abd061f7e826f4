package dev.rill;

import dev.rill.internal.chat.ChatOutput;
import dev.rill.internal.chat.ChatSampler;
import dev.rill.internal.chat.ChatSyntax;
import dev.rill.internal.chat.ChatTemplates;
import dev.rill.internal.embed.EmbeddingWorker;
import dev.rill.internal.engine.Engine;
import dev.rill.internal.engine.ResolvedAdapter;
import dev.rill.internal.grammar.GbnfValidator;
import dev.rill.internal.llama.CacheType;
import dev.rill.internal.llama.LlamaAdapterHandle;
import dev.rill.internal.llama.LlamaContextHandle;
import dev.rill.internal.llama.LlamaModelHandle;
import dev.rill.internal.llama.LlamaRuntime;
import dev.rill.internal.llama.PoolingType;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A GGUF model loaded into llama.cpp, with the engine that generates from it: the in-process
 * {@link LanguageModel}.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("model.gguf"))) {
 *     GenerationResult result = model.generate("Once upon a time",
 *             (token, generation) -> System.out.print(token.text()));
 *     System.out.println(" [" + result.finishReason() + "]");
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A model is safe to share: tokenization and chat templates run on the calling thread, and
 * generations from any thread are queued to the model's engine thread, which owns the llama.cpp context and
 * decodes up to {@link ModelOptions#parallelSequences()} sequences together. Token callbacks run on that
 * engine thread and must be quick.
 *
 * <p><b>Conversations.</b> A {@link ChatSession} holds one of the slots and keeps its KV cells between turns;
 * plain requests reuse the cells earlier requests left ({@link ModelOptions#promptCache()}).
 *
 * <p><b>Resources.</b> The model's weights, its context and every sequence's state live in native memory
 * until {@link #close()}, which ends running generations with {@link FinishReason#MODEL_CLOSED}, closes its
 * {@linkplain #embedder embedders} and {@linkplain #reranker rerankers}, frees the context and then the model. Any call after close throws {@link IllegalStateException}.
 */
public final class Model implements LanguageModel {
    private static final AtomicInteger ENGINE_IDS = new AtomicInteger();

    private final LlamaModelHandle handle;
    private final Engine engine;
    private final ModelInfo info;
    private final ModelOptions options;
    /** Open embedders and rerankers, closed before the engine frees the model; guarded by itself for open-versus-close. */
    private final Set<ContextOwner> embedders = ConcurrentHashMap.newKeySet();
    private boolean embeddersClosed; // guarded by embedders

    private Model(LlamaModelHandle handle, Engine engine, ModelInfo info, ModelOptions options) {
        this.handle = handle;
        this.engine = engine;
        this.info = info;
        this.options = options;
    }

    /** Loads a model with {@link ModelOptions#defaults()}. */
    public static Model load(Path path) {
        return load(path, ModelOptions.defaults());
    }

    /**
     * Loads a model and starts its engine.
     *
     * @throws ModelLoadException when the file is missing, not GGUF, truncated or refused by llama.cpp
     * @throws NativeLibraryException when llama.cpp cannot be loaded
     * @throws RillException when the context cannot be created (for example out of memory)
     */
    public static Model load(Path path, ModelOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        LlamaModelHandle handle = NativeErrors.loadingModel(path, () -> LlamaModelHandle.load(path,
                new LlamaModelHandle.Config(options.libraryPath(), options.llamaProfile().orElse(null),
                        options.gpuLayers(), options.mmap(), options.mlock())));
        try {
            LlamaModelHandle.Facts facts = handle.facts();
            int contextSize = options.contextSize() > 0 ? options.contextSize()
                    : Math.max(16 * options.parallelSequences(), Math.min(4096, facts.trainingContext()));
            var contextConfig = new LlamaContextHandle.Config(contextSize, options.batchSize(), options.threads(),
                    options.batchThreads(), options.parallelSequences(), options.flashAttention(),
                    CacheType.valueOf(options.kvCacheType().name()));
            Engine engine = NativeErrors.loadingModel(path, () -> new Engine(handle,
                    new Engine.Config("rill-engine-" + ENGINE_IDS.incrementAndGet(), contextConfig, options.queueCapacity(),
                            adapters -> resolve(handle, adapters), options.promptCache()),
                    handle::close));
            ModelInfo info = new ModelInfo(path, facts.description(), facts.architecture(), facts.name(),
                    handle.vocabSize(), facts.trainingContext(), facts.embedding(), facts.layers(), facts.heads(),
                    facts.parameters(), facts.sizeBytes(), specialTokens(facts.specialTokens()), facts.addsBos(),
                    facts.chatTemplate(),
                    engine.contextSize(), engine.sequenceContext(), LlamaRuntime.runtime());
            return new Model(handle, engine, info, options);
        } catch (RuntimeException | Error e) {
            handle.close();
            throw e;
        }
    }

    private static SpecialTokens specialTokens(LlamaModelHandle.Specials ids) {
        return new SpecialTokens(ids.bos(), ids.eos(), ids.eot(), ids.newline(), ids.pad());
    }

    /** The engine, for Rill's own classes that need it (chat sessions). */
    Engine engine() {
        return engine;
    }

    /** The native model, for Rill's own classes that need it (grammars, adapters). */
    LlamaModelHandle handle() {
        return handle;
    }

    private static List<ResolvedAdapter> resolve(LlamaModelHandle handle, AdapterSet adapters) {
        List<ResolvedAdapter> resolved = new ArrayList<>(adapters.entries().size());
        for (AdapterSet.Entry entry : adapters.entries()) {
            LoraAdapter adapter = entry.adapter();
            if (adapter.handle().model() != handle) {
                throw new IllegalArgumentException(adapter + " was loaded for another model ("
                        + adapter.handle().model().path() + "), not " + handle.path());
            }
            if (adapter.isClosed()) {
                throw new IllegalStateException(adapter + " is closed");
            }
            resolved.add(new ResolvedAdapter(adapter.handle(), entry.scale()));
        }
        return List.copyOf(resolved);
    }

    /**
     * Loads a LoRA adapter (GGUF) for this model. Loading never touches running generations; name the adapter in
     * {@link GenerationRequest.Builder#adapters} or switch to it with {@link Generation#switchAdapters}.
     *
     * @throws AdapterLoadException when the file is missing, not a LoRA adapter, or made for another base model
     * @throws IllegalStateException after close
     */
    public LoraAdapter loadAdapter(Path path) {
        Objects.requireNonNull(path, "path");
        return new LoraAdapter(this, NativeErrors.loadingAdapter(() -> LlamaAdapterHandle.load(handle, path)));
    }

    /**
     * Checks a LoRA adapter file against this model without loading it: that it is a complete GGUF LoRA adapter
     * for this architecture whose tensors exist in the model with matching shapes, and that llama.cpp can take it
     * without ending the process. {@link #loadAdapter} runs the same check.
     *
     * @return the bytes of the adapter's tensors, which is what it occupies once loaded
     * @throws AdapterLoadException naming the file and the problem
     */
    public long checkAdapter(Path path) {
        Objects.requireNonNull(path, "path");
        return NativeErrors.loadingAdapter(() -> LlamaAdapterHandle.check(handle, path));
    }

    /** Facts about the model and the context serving it. */
    @Override
    public ModelInfo info() {
        return info;
    }

    /** The options it was loaded with. */
    public ModelOptions options() {
        return options;
    }

    /** Tokenizes text as a prompt would be: with the model's special tokens (BOS) and no special-token parsing. */
    public int[] tokenize(String text) {
        return tokenize(text, true, false);
    }

    /**
     * Tokenizes text.
     *
     * @param addSpecial add the BOS (and EOS) tokens the model asks for
     * @param parseSpecial turn the text of special tokens (like {@code <|im_end|>}) into those tokens
     */
    public int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        Objects.requireNonNull(text, "text");
        return NativeErrors.calling(() -> handle.tokenize(text, addSpecial, parseSpecial));
    }

    /**
     * Turns tokens back into text; special tokens are left out.
     *
     * @throws IllegalArgumentException for a token id outside the vocabulary
     */
    public String detokenize(int... tokens) {
        Objects.requireNonNull(tokens, "tokens");
        return NativeErrors.calling(() -> handle.detokenize(tokens));
    }

    /**
     * Renders a conversation with the model's own chat template, ending with the assistant's turn: the text
     * {@link Prompt#chat(List)} tokenizes.
     *
     * @throws ChatTemplateException when the template fails to render, naming its line
     */
    public String applyChatTemplate(List<ChatMessage> messages) {
        return applyChatTemplate(new Prompt.Chat(messages, null), true);
    }

    /**
     * Renders a conversation.
     *
     * @param template Jinja source, the name of a template variant stored in the model (such as {@code tool_use}),
     *                 the name of a llama.cpp built-in template (such as {@code chatml}), or null for the model's
     * @param addAssistant end with the start of the assistant's turn ({@code add_generation_prompt})
     * @throws ChatTemplateException when a Jinja template fails to render, naming its line
     * @throws RillException when llama.cpp does not know a built-in template of that name
     */
    public String applyChatTemplate(String template, List<ChatMessage> messages, boolean addAssistant) {
        return applyChatTemplate(new Prompt.Chat(messages, template), addAssistant);
    }

    /**
     * Renders a chat prompt, with its tools and variables, as {@link #submit} would before tokenizing it.
     *
     * <p>The model's Jinja template ({@code tokenizer.chat_template}, or {@code tokenizer.chat_template.tool_use}
     * for a prompt with tools when the model has it) is rendered in Java with jinja2's semantics and Hugging Face's
     * conventions: {@code messages}, {@code tools}, {@code add_generation_prompt}, {@code bos_token} and
     * {@code eos_token} (the texts of the model's BOS and EOS tokens), the prompt's variables,
     * {@code raise_exception} and {@code strftime_now}. Only a model without a template uses llama.cpp's default
     * (ChatML), which takes no tools.
     *
     * @param addGenerationPrompt end with the start of the assistant's turn
     * @throws ChatTemplateException when the template fails to render, naming its line
     * @throws RillException when llama.cpp does not know a built-in template of that name
     */
    public String applyChatTemplate(Prompt.Chat chat, boolean addGenerationPrompt) {
        Objects.requireNonNull(chat, "chat");
        return NativeErrors.calling(() -> ChatTemplates.render(handle, chat, addGenerationPrompt,
                Clock.systemDefaultZone()));
    }

    /**
     * Generates a continuation of a text prompt with the default request options, streaming each token to
     * {@code callback} on the engine thread, and waits for the end.
     *
     * @throws GenerationException when the callback, the sampler or llama.cpp failed
     */
    @Override
    public GenerationResult generate(String prompt, TokenCallback callback) {
        return generate(GenerationRequest.of(prompt), callback);
    }

    /**
     * Runs a request, streaming each token to {@code callback} on the engine thread, and waits for the end.
     *
     * @throws GenerationException when the callback, the sampler or llama.cpp failed
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalStateException when called from a token callback, or after close
     */
    @Override
    public GenerationResult generate(GenerationRequest request, TokenCallback callback) {
        if (engine.isEngineThread()) {
            throw new IllegalStateException("generate() waits for the engine thread, so it cannot be called from a token "
                    + "callback; use submit(...)");
        }
        return submit(request, callback).await();
    }

    /**
     * Queues a request and returns at once with a handle to cancel it or wait for its result.
     *
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalStateException after close
     */
    @Override
    public Generation submit(GenerationRequest request, TokenCallback callback) {
        return submit(request, callback, Demand.unbounded());
    }

    /**
     * Queues a request whose tokens are produced only while {@code demand} says so: the sequence sits out of
     * the engine's steps while it has none, costing the others nothing. Call
     * {@link Generation#demandChanged()} when demand returns. This is the hook reactive adapters build on.
     *
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalArgumentException when the sampler is a {@link Grammar} compiled for another model, or an
     *     adapter was loaded for another model
     * @throws IllegalStateException after close
     */
    @Override
    public Generation submit(GenerationRequest request, TokenCallback callback, Demand demand) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(demand, "demand");
        if (request.sampler() instanceof Grammar grammar) {
            grammar.checkModel(this);
        }
        return NativeErrors.calling(() -> engine.submit(request, callback, demand));
    }

    /**
     * Runs a chat request, streaming each token with its channel to {@code callback} on the engine thread, and
     * waits for the end: see {@link #submitChat(GenerationRequest, ChatCallback, Demand)}.
     *
     * @throws GenerationException when the callback, the sampler or llama.cpp failed
     * @throws IllegalStateException when called from a token callback, or after close
     */
    @Override
    public ChatResult chat(GenerationRequest request, ChatCallback callback) {
        if (engine.isEngineThread()) {
            throw new IllegalStateException("chat() waits for the engine thread, so it cannot be called from a token "
                    + "callback; use submitChat(...)");
        }
        return submitChat(request, callback, Demand.unbounded()).awaitChat();
    }

    /** {@link #submitChat(GenerationRequest, ChatCallback, Demand)} without backpressure. */
    @Override
    public ChatGeneration submitChat(GenerationRequest request, ChatCallback callback) {
        return submitChat(request, callback, Demand.unbounded());
    }

    /**
     * Queues a chat request whose output is parsed as it streams: each token reaches {@code callback} with the
     * channel its text went to (answer, reasoning, tool call, markup) and what it added to each, tool calls as they
     * form (name first, then argument text); the result ({@link ChatGeneration#chatResult()}) has the answer, the
     * reasoning, the complete calls with ids, and {@link FinishReason#TOOL_CALLS} when the model called tools.
     *
     * <p>The output's {@link ChatFormat} is detected from the chat template's markers unless the request names one
     * ({@link GenerationRequest.Builder#chatFormat}). With tools and a tool choice other than {@code none}, a call's
     * argument JSON is held to the tool's parameter schema by a grammar that switches on when the call starts and
     * off when it is complete;
     * {@link GenerationRequest.Builder#reasoningBudget} limits the thinking. See {@code docs/chat.md}.
     *
     * @throws IllegalArgumentException when the prompt is not a chat prompt, when the sampler is a {@link Grammar}
     *     compiled for another model, or a {@link Grammar} while tool calls are on (two grammars cannot both hold the output), or when a tool's parameter schema cannot
     *     be turned into a grammar
     * @throws ChatTemplateException when the template fails to render
     * @throws RejectedGenerationException when the request queue is full
     * @throws PromptTooLongException when the prompt does not fit a sequence's context
     * @throws IllegalStateException after close
     */
    @Override
    public ChatGeneration submitChat(GenerationRequest request, ChatCallback callback, Demand demand) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(demand, "demand");
        if (!(request.prompt() instanceof Prompt.Chat chat)) {
            throw new IllegalArgumentException("submitChat needs a chat prompt (Prompt.chat or Prompt.chatBuilder), "
                    + "not " + request.prompt().getClass().getSimpleName());
        }
        ChatRun run = chatRun(request, chat);
        Generation generation = submit(request.withSampler(run.sampler()),
                (token, running) -> callback.onToken(run.output().onToken(token), running), demand);
        return new ChatHandle(generation, run.output());
    }

    /** What parses and steers one chat generation: its sampler (tool-call grammar, reasoning budget) and its output. */
    record ChatRun(ChatSampler sampler, ChatOutput output) {
    }

    /**
     * The sampler and output parser of a chat generation of {@code chat} with {@code request}'s sampler, tool
     * choice, format and reasoning budget; shared by {@link #submitChat} and {@link ChatSession}.
     *
     * @throws IllegalArgumentException as {@link #submitChat(GenerationRequest, ChatCallback, Demand)} says
     */
    ChatRun chatRun(GenerationRequest request, Prompt.Chat chat) {
        boolean calls = !chat.tools().isEmpty() && !(request.toolChoice() instanceof ToolChoice.None);
        if (request.sampler() instanceof Grammar grammar) {
            grammar.checkModel(this);
        }
        if (calls && request.sampler() instanceof Grammar) {
            throw new IllegalArgumentException("a request with tools cannot also have a Grammar sampler: the tool "
                    + "calls have a grammar of their own; use ToolChoice.none() to keep yours");
        }
        String source = NativeErrors.calling(() -> ChatTemplates.source(handle, chat));
        ChatFormat format = request.chatFormat() != null ? request.chatFormat() : ChatFormat.detect(source);
        String rendered = applyChatTemplate(chat, true);
        ChatSyntax syntax = ChatSyntax.of(format, source, rendered, calls);
        List<ToolDefinition> offered = request.toolChoice() instanceof ToolChoice.Named named
                ? chat.tools().stream().filter(t -> t.name().equals(named.name())).toList() : chat.tools();
        String grammar = calls ? ChatSampler.callGrammar(syntax, offered) : null;
        if (grammar != null) {
            GbnfValidator.validate(grammar);
        }
        boolean force = request.toolChoice() instanceof ToolChoice.Required
                || request.toolChoice() instanceof ToolChoice.Named;
        ChatSampler sampler = new ChatSampler(handle, request.sampler(), syntax, grammar, force,
                request.reasoningBudget());
        long idSeed = request.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
        return new ChatRun(sampler, new ChatOutput(syntax, markerTokens(syntax.markers()), idSeed));
    }

    /** The special tokens (text hidden from the stream) whose text is one of {@code markers}. */
    private Map<Integer, String> markerTokens(List<String> markers) {
        Map<Integer, String> tokens = new HashMap<>();
        for (String marker : markers) {
            int[] ids = tokenize(marker, false, true);
            if (ids.length == 1 && detokenize(ids).isEmpty()) {
                tokens.put(ids[0], marker);
            }
        }
        return tokens;
    }

    /**
     * An embedder on this model, with a llama.cpp context of its own (see {@link Embedder}); close it when done,
     * or let {@link #close()} close it.
     *
     * @throws IllegalStateException after close
     * @throws RillException when llama.cpp cannot create the context
     */
    @Override
    public Embedder embedder(EmbeddingOptions embeddingOptions) {
        Objects.requireNonNull(embeddingOptions, "embeddingOptions");
        synchronized (embedders) {
            if (embeddersClosed || isClosed()) {
                throw new IllegalStateException("the model " + info.path() + " is closed");
            }
            int batch = embeddingOptions.batchSize() > 0 ? embeddingOptions.batchSize()
                    : Math.min(512, Math.max(16, info.trainingContextLength()));
            var config = new LlamaContextHandle.Config(batch, batch, options.threads(), options.batchThreads(),
                    Math.min(Embedder.MAX_TEXTS_PER_BATCH, batch), false, CacheType.F16,
                    Embedder.poolingFor(embeddingOptions, handle));
            var worker = NativeErrors.calling(() -> new EmbeddingWorker(handle, config));
            Embedder embedder = new Embedder(this, handle, worker, embeddingOptions);
            embedders.add(embedder);
            return embedder;
        }
    }

    /** An embedder with {@link EmbeddingOptions#defaults()}. */
    @Override
    public Embedder embedder() {
        return embedder(EmbeddingOptions.defaults());
    }

    /**
     * A reranker on this model, with a llama.cpp context of its own (see {@link Reranker}); close it when done, or
     * let {@link #close()} close it. Of the options, {@linkplain EmbeddingOptions.Builder#batchSize batch size}
     * and {@linkplain EmbeddingOptions.Builder#truncate truncation} apply.
     *
     * @throws UnsupportedOperationException when the model is not a reranker (its metadata names no rank pooling)
     * @throws IllegalArgumentException when the options ask for a pooling or normalisation, which a reranker's
     *                                  classification head decides, or on llama.cpp b4916, which cannot rerank
     * @throws IllegalStateException after close
     * @throws RillException when llama.cpp cannot create the context
     */
    public Reranker reranker(EmbeddingOptions rerankOptions) {
        Objects.requireNonNull(rerankOptions, "rerankOptions");
        if (rerankOptions.pooling().isPresent() || rerankOptions.normalize()) {
            throw new IllegalArgumentException("a reranker's classification head gives its scores: leave pooling and "
                    + "normalize unset");
        }
        if (handle.pooling().orElse(null) != PoolingType.RANK) {
            throw new UnsupportedOperationException(info.path().getFileName() + " is not a reranker: its metadata "
                    + "names " + handle.pooling().map(p -> p + " pooling").orElse("no pooling") + ", not rank");
        }
        synchronized (embedders) {
            if (embeddersClosed || isClosed()) {
                throw new IllegalStateException("the model " + info.path() + " is closed");
            }
            int batch = rerankOptions.batchSize() > 0 ? rerankOptions.batchSize()
                    : Math.min(512, Math.max(16, info.trainingContextLength()));
            var config = new LlamaContextHandle.Config(batch, batch, options.threads(), options.batchThreads(),
                    Math.min(Embedder.MAX_TEXTS_PER_BATCH, batch), false, CacheType.F16, PoolingType.RANK);
            var worker = NativeErrors.calling(() -> new EmbeddingWorker(handle, config));
            Reranker reranker = new Reranker(this, handle, worker, rerankOptions.truncate());
            embedders.add(reranker);
            return reranker;
        }
    }

    /** A reranker with {@link EmbeddingOptions#defaults()}. */
    public Reranker reranker() {
        return reranker(EmbeddingOptions.defaults());
    }

    void forget(ContextOwner owner) {
        embedders.remove(owner);
    }

    /** A snapshot of the engine's activity, for monitoring. */
    public EngineStats stats() {
        return engine.stats();
    }

    /** Whether {@link #close()} has run (or is running). */
    @Override
    public boolean isClosed() {
        return handle.isClosed() || engine.isShutDown();
    }

    /** Requests waiting for a sequence slot. */
    public int queuedRequests() {
        return engine.queued();
    }

    /**
     * Ends every generation ({@link FinishReason#MODEL_CLOSED}), frees the context and the model. Idempotent.
     * From a token callback it returns at once and the engine frees everything when the callback returns.
     */
    @Override
    public void close() {
        synchronized (embedders) {
            embeddersClosed = true;
        }
        // Their contexts go before the model, which the engine frees as its last act.
        for (ContextOwner owner : List.copyOf(embedders)) {
            owner.close();
        }
        engine.close();
    }

    @Override
    public String toString() {
        return "Model[" + info.path() + ", " + info.description() + "]";
    }
}
