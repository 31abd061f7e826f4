package dev.rill;

import dev.rill.internal.chat.ChatTemplates;
import dev.rill.internal.engine.Engine;
import dev.rill.internal.session.SessionState;
import dev.rill.sampling.Sampler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A conversation with a model that keeps its KV cells between turns, so each turn evaluates only what is new.
 *
 * <pre>{@code
 * try (ChatSession chat = ChatSession.builder(model).system("You are terse.").build()) {
 *     chat.send("Name a prime.", (token, g) -> System.out.print(token.text()));
 *     chat.send("And another?", (token, g) -> System.out.print(token.text()));
 *     chat.save(Path.of("chat.state"));
 * }
 * }</pre>
 *
 * <p><b>How a turn runs.</b> The session renders the whole conversation with the model's chat template (as
 * {@link Prompt#chat} would), tokenizes it, and hands the tokens to the engine, which runs the turn in the
 * sequence slot the session holds. The slot's cells still hold the tokens of the earlier turns; the engine keeps
 * the longest common prefix of those and the new prompt, removes the rest, and evaluates only the suffix. The
 * part of the last reply that the template renders differently from how it was generated (the end-of-turn
 * marker, typically) is evaluated again; nothing else is. {@link EngineStats#reusedPromptTokens()} counts what
 * was kept.
 *
 * <p><b>The slot.</b> A session holds one of the model's {@link ModelOptions#parallelSequences()} slots from
 * {@link Builder#build()} until {@link #close()}; plain requests run in the others. When every slot is held by a
 * session, opening another fails, and plain requests wait in the queue until a session closes: give a model
 * that serves both more slots than sessions. Closing the session, or the model, frees the slot's cells.
 *
 * <p><b>Ends of a turn.</b> A turn that ends normally (end of sequence, stop string, {@code maxTokens},
 * context full) adds the user's message and the reply to the conversation. A turn that is cancelled, or fails,
 * adds nothing: the session stays usable, as it was before the turn, and its next turn re-evaluates whatever the
 * aborted turn left in the cells beyond the common prefix. When the model is closed the session is broken: every
 * later call throws {@link IllegalStateException}.
 *
 * <p><b>A full context.</b> A sequence holds {@link ModelInfo#sequenceContextSize()} cells. With
 * {@link ContextPolicy#REFUSE} (the default) a turn whose rendered conversation does not fit is refused with
 * {@link PromptTooLongException} before anything runs, and a reply that fills the context ends with
 * {@link FinishReason#CONTEXT_FULL}. With {@link ContextPolicy#DROP_OLDEST_TURNS} the oldest turns (after the
 * system message) are dropped from the conversation until the prompt and {@code maxTokens} of reply fit, and the
 * conversation is re-evaluated from the first dropped position (the system message's cells are kept).
 *
 * <p><b>Save and restore.</b> {@link #save()} writes the conversation, the tokens in the cells and the cells
 * themselves (llama.cpp's per-sequence state), with what identifies the model file; {@link Builder#restore}
 * puts them into a new session of a model loaded from the same file (in this process or another), which then
 * continues with exactly the tokens the saved session would have produced. A state from another file, another
 * llama.cpp release or another KV cache type, or a damaged one, is refused with {@link SessionStateException}.
 * Cells computed with LoRA adapters cannot be saved, and models whose state is more than one plain KV cache
 * (sliding-window attention, recurrent layers; current llama.cpp release) cannot be saved either.
 *
 * <p><b>Threads.</b> Safe to use from any thread; one turn runs at a time. {@link #save()}, {@link #close()} and
 * building or restoring a session wait for the engine thread, so they must not be called from a token callback.
 */
public final class ChatSession implements AutoCloseable {

    /** What a turn does when the conversation no longer fits a sequence's cells. */
    public enum ContextPolicy {
        /** Refuse the turn with {@link PromptTooLongException}; the conversation stays as it was. */
        REFUSE,
        /**
         * Drop the oldest turns after the system message (a user message and what followed it) until the prompt
         * and the turn's {@code maxTokens} fit; refuse as {@link #REFUSE} does when even the system message and
         * the new message alone do not fit.
         */
        DROP_OLDEST_TURNS
    }

    private final Model model;
    private final Engine engine;
    private final Settings options;
    private final int slot;
    private final Object lock = new Object();
    private List<ChatMessage> messages;       // guarded by lock
    private Generation running;               // guarded by lock
    private boolean closed;                   // guarded by lock
    private volatile boolean broken;

    /** The builder's options, fixed when the session opens. */
    private record Settings(String system, String template, Map<String, Object> variables, List<ToolDefinition> tools,
                            int maxTokens, Sampler sampler, Long seed, List<String> stops, AdapterSet adapters,
                            ContextPolicy policy, ToolChoice toolChoice, int reasoningBudget) {
    }

    private ChatSession(Model model, Settings options, List<ChatMessage> messages) {
        this.model = model;
        this.engine = model.engine();
        this.options = options;
        this.messages = List.copyOf(messages);
        this.slot = engine.holdSlot(this);
    }

    /** A builder for a session on {@code model}. */
    public static Builder builder(Model model) {
        return new Builder(model);
    }

    /** Sends a user message and waits for the reply; see {@link #submit(ChatMessage, TokenCallback, Demand)}. */
    public GenerationResult send(String userMessage, TokenCallback callback) {
        return submit(ChatMessage.user(userMessage), callback, Demand.unbounded()).await();
    }

    /** Sends a user message; see {@link #submit(ChatMessage, TokenCallback, Demand)}. */
    public Generation submit(String userMessage, TokenCallback callback) {
        return submit(ChatMessage.user(userMessage), callback, Demand.unbounded());
    }

    /**
     * Starts a turn: {@code message} (a user message, or a tool's answer) is appended, the conversation rendered
     * and the reply generated, streamed to {@code callback} on the engine thread while {@code demand} says so.
     * The message and the reply join the conversation when the turn ends normally (see the class notes).
     *
     * @throws IllegalStateException while another turn runs, after close, or when the model was closed
     * @throws PromptTooLongException when the conversation does not fit (see {@link ContextPolicy})
     * @throws ChatTemplateException when the template fails to render the conversation
     */
    public Generation submit(ChatMessage message, TokenCallback callback, Demand demand) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(demand, "demand");
        synchronized (lock) {
            Turn turn = nextTurn(message);
            List<ChatMessage> sent = turn.messages();
            int[] tokens = turn.tokens();
            GenerationRequest request = requestBuilder(Prompt.tokens(tokens)).build();
            running = NativeErrors.calling(() -> engine.submit(request, callback, demand, slot,
                    result -> ended(sent, result, null)));
            return running;
        }
    }

    /**
     * Sends a user message and waits for the reply parsed into answer, reasoning and tool calls; see
     * {@link #submitChat(ChatMessage, ChatCallback, Demand)}.
     */
    public ChatResult chat(String userMessage, ChatCallback callback) {
        return submitChat(ChatMessage.user(userMessage), callback, Demand.unbounded()).awaitChat();
    }

    /**
     * Starts a turn whose reply is parsed as it streams, as {@link Model#submitChat} parses one: each token reaches
     * {@code callback} with its channel (answer, reasoning, tool call, markup) and what it added; the result has the
     * answer, the reasoning and the complete tool calls, with {@link FinishReason#TOOL_CALLS} when the model called
     * tools (the session's {@link Builder#tools tools}, under its {@link Builder#toolChoice tool choice}). Answer a
     * call by sending {@link ChatMessage#tool} as the next turn's message. A turn that ends normally adds
     * {@code message} and the reply to the conversation, the reply as an assistant message with its answer and its
     * calls (the reasoning is left out, as chat templates leave it out of earlier turns). Otherwise as
     * {@link #submit(ChatMessage, TokenCallback, Demand)}.
     *
     * @throws IllegalArgumentException when the tools' schemas cannot become a grammar, or the session's sampler is a
     *     {@link Grammar} while tool calls are on
     */
    public ChatGeneration submitChat(ChatMessage message, ChatCallback callback, Demand demand) {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(demand, "demand");
        synchronized (lock) {
            Turn turn = nextTurn(message);
            List<ChatMessage> sent = turn.messages();
            int[] tokens = turn.tokens();
            GenerationRequest.Builder chatRequest = requestBuilder(chatPrompt(sent))
                    .toolChoice(options.toolChoice());
            if (options.reasoningBudget() >= 0) {
                chatRequest.reasoningBudget(options.reasoningBudget());
            }
            GenerationRequest parsed = chatRequest.build();
            Model.ChatRun run = model.chatRun(parsed, chatPrompt(sent));
            ChatResult[] result = new ChatResult[1]; // made once, on the engine thread, before the turn ends
            Function<GenerationResult, ChatResult> finish = generated -> {
                synchronized (result) {
                    if (result[0] == null) {
                        result[0] = run.output().finish(generated);
                    }
                    return result[0];
                }
            };
            GenerationRequest tokensRequest = requestBuilder(Prompt.tokens(tokens)).build().withSampler(run.sampler());
            Generation generation = NativeErrors.calling(() -> engine.submit(tokensRequest,
                    (token, g) -> callback.onToken(run.output().onToken(token), g), demand, slot,
                    generated -> ended(sent, generated, finish.apply(generated))));
            running = generation;
            return new ChatHandle(generation, finish);
        }
    }

    /** A turn's conversation (the history and its new message, fitted to the context) and its tokens. */
    private record Turn(List<ChatMessage> messages, int[] tokens) {
    }

    /** Checks that a turn may start and fits the conversation with {@code message} to the context; under the lock. */
    private Turn nextTurn(ChatMessage message) {
        checkUsable();
        if (running != null && !running.isDone()) {
            throw new IllegalStateException("a turn is running; wait for it (or cancel it) before the next");
        }
        List<ChatMessage> next = new ArrayList<>(messages);
        next.add(message);
        int[] tokens = fit(next);
        return new Turn(List.copyOf(next), tokens);
    }

    /** A request for a turn with the session's reply settings. */
    private GenerationRequest.Builder requestBuilder(Prompt prompt) {
        GenerationRequest.Builder request = GenerationRequest.builder(prompt)
                .maxTokens(options.maxTokens()).stop(options.stops()).adapters(options.adapters());
        if (options.sampler() != null) {
            request.sampler(options.sampler());
        }
        if (options.seed() != null) {
            request.seed(options.seed());
        }
        return request;
    }

    /**
     * Renders and tokenizes {@code next}, dropping the oldest turns from it where the policy allows, until it
     * fits; {@code next} is left as what will be sent.
     */
    private int[] fit(List<ChatMessage> next) {
        int cells = engine.sequenceContext();
        while (true) {
            int[] tokens = tokenize(next);
            boolean fits = tokens.length < cells;
            if (options.policy() == ContextPolicy.DROP_OLDEST_TURNS) {
                fits = tokens.length + options.maxTokens() <= cells;
            }
            if (fits) {
                return tokens;
            }
            if (options.policy() == ContextPolicy.REFUSE || !dropOldestTurn(next)) {
                if (tokens.length < cells) {
                    return tokens; // the reply may end with CONTEXT_FULL; the prompt itself fits
                }
                throw new PromptTooLongException(tokens.length, cells - 1);
            }
        }
    }

    /** Drops the first turn after the system message: a message and the rest up to the next user message. */
    private static boolean dropOldestTurn(List<ChatMessage> next) {
        int first = !next.isEmpty() && next.getFirst().role().equals("system") ? 1 : 0;
        if (next.size() - first <= 1) {
            return false; // only the new message is left
        }
        int end = first + 1;
        while (end < next.size() - 1 && !next.get(end).role().equals("user")) {
            end++;
        }
        next.subList(first, end).clear();
        return true;
    }

    private int[] tokenize(List<ChatMessage> conversation) {
        Prompt.Chat prompt = chatPrompt(conversation);
        return NativeErrors.calling(() -> ChatTemplates.tokenize(model.handle(), prompt));
    }

    /** {@code conversation} as the session's template, variables and tools render it. */
    private Prompt.Chat chatPrompt(List<ChatMessage> conversation) {
        Prompt.ChatBuilder chat = Prompt.chatBuilder(conversation);
        if (options.template() != null) {
            chat.template(options.template());
        }
        options.variables().forEach(chat::variable);
        if (!options.tools().isEmpty()) {
            chat.tools(options.tools());
        }
        return chat.build();
    }

    /**
     * On the engine thread, before the turn's result is visible: commits the turn, or not.
     *
     * @param parsed the reply parsed into answer and calls, for a turn of {@link #submitChat}; null otherwise
     */
    private void ended(List<ChatMessage> sent, GenerationResult result, ChatResult parsed) {
        synchronized (lock) {
            switch (result.finishReason()) {
                case END_OF_SEQUENCE, STOP_STRING, MAX_TOKENS, CONTEXT_FULL, TOOL_CALLS -> {
                    List<ChatMessage> next = new ArrayList<>(sent);
                    next.add(parsed == null ? ChatMessage.assistant(result.text())
                            : parsed.toolCalls().isEmpty() ? ChatMessage.assistant(parsed.content())
                            : ChatMessage.assistant(parsed.content(), parsed.toolCalls()));
                    messages = List.copyOf(next);
                }
                case MODEL_CLOSED -> broken = true;
                case CANCELLED, ERROR -> {
                    // The conversation stays as it was before the turn.
                }
            }
        }
    }

    /** The conversation so far: the system message, then each completed turn's messages. */
    public List<ChatMessage> messages() {
        synchronized (lock) {
            return messages;
        }
    }

    /**
     * Forgets every turn, keeping the system message. The cells of the system message stay and serve the next
     * turn.
     *
     * @throws IllegalStateException while a turn runs, or after close
     */
    public void reset() {
        synchronized (lock) {
            checkUsable();
            if (running != null && !running.isDone()) {
                throw new IllegalStateException("a turn is running; wait for it (or cancel it) before reset()");
            }
            boolean system = !messages.isEmpty() && messages.getFirst().role().equals("system");
            messages = system ? List.of(messages.getFirst()) : List.of();
        }
    }

    /**
     * The session's state: its conversation, the tokens in its cells, the cells, and what identifies the model.
     * Restore it with {@link Builder#restore(byte[])}.
     *
     * @throws IllegalStateException while a turn runs, after close, or when the cells were computed with LoRA
     *     adapters
     * @throws RillException when this model's state cannot be saved or llama.cpp fails to write it
     */
    public byte[] save() {
        List<ChatMessage> conversation;
        synchronized (lock) {
            checkUsable();
            if (running != null && !running.isDone()) {
                throw new IllegalStateException("a turn is running; save the session after it ends");
            }
            conversation = messages;
        }
        Engine.SavedCells cells;
        try {
            cells = NativeErrors.calling(() -> engine.saveHeld(slot));
        } catch (IllegalArgumentException e) {
            throw new RillException(e.getMessage(), e);
        }
        List<SessionState.Message> saved = new ArrayList<>();
        for (ChatMessage message : conversation) {
            List<SessionState.Call> calls = message.toolCalls().stream()
                    .map(call -> new SessionState.Call(call.id(), call.name(), call.arguments())).toList();
            saved.add(new SessionState.Message(message.role(), message.content(), message.toolCallId(), calls));
        }
        return new SessionState(identity(model), cells.tokens(), saved, cells.state()).toBytes();
    }

    /**
     * Saves the state to {@code file} (written beside it first, then moved in place).
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public void save(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] state = save();
        try {
            Path absolute = file.toAbsolutePath();
            Path temporary = absolute.resolveSibling(absolute.getFileName() + ".partial");
            Files.write(temporary, state);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the session state to " + file, e);
        }
    }

    private static SessionState.ModelIdentity identity(Model model) {
        ModelInfo info = model.info();
        return SessionState.ModelIdentity.of(info.runtime().profile().label(), info.architecture(),
                info.vocabularySize(), info.layerCount(), info.embeddingLength(), model.options().kvCacheType().name(),
                info.path());
    }

    /** Whether {@link #close()} ran, or the model was closed. */
    public boolean isClosed() {
        synchronized (lock) {
            return closed || broken || model.isClosed();
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("the chat session is closed");
        }
        if (broken || model.isClosed()) {
            throw new IllegalStateException("the model " + model.info().path() + " was closed, and the chat session with it");
        }
    }

    /**
     * Ends a running turn ({@link FinishReason#CANCELLED}), frees the session's cells and gives its slot back.
     * Idempotent; does nothing more once the model is closed.
     *
     * @throws IllegalStateException from a token callback (it waits for the engine thread)
     */
    @Override
    public void close() {
        if (engine.isEngineThread()) {
            throw new IllegalStateException("a chat session cannot be closed from a token callback; cancel the turn "
                    + "there and close the session after it ends");
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        engine.releaseSlot(slot);
    }

    @Override
    public String toString() {
        return "ChatSession[" + model.info().path().getFileName() + ", slot " + slot + ", " + messages().size()
                + " messages]";
    }

    /**
     * Builds a {@link ChatSession}. Every option may be set once and is checked when set. Defaults: no system
     * message, the model's template, {@link GenerationRequest#DEFAULT_MAX_TOKENS} tokens per reply, greedy
     * sampling, no stop strings, no adapters, {@link ContextPolicy#REFUSE}.
     */
    public static final class Builder {
        private final Model model;
        private String system;
        private List<ChatMessage> history;
        private String template;
        private final Map<String, Object> variables = new LinkedHashMap<>();
        private List<ToolDefinition> tools = List.of();
        private int maxTokens = GenerationRequest.DEFAULT_MAX_TOKENS;
        private boolean maxTokensSet;
        private Sampler sampler;
        private Long seed;
        private final List<String> stops = new ArrayList<>();
        private AdapterSet adapters = AdapterSet.none();
        private boolean adaptersSet;
        private ContextPolicy policy;
        private ToolChoice toolChoice;
        private Integer reasoningBudget;

        private Builder(Model model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The system message that starts the conversation. */
        public Builder system(String system) {
            Objects.requireNonNull(system, "system");
            once(this.system, "system");
            if (history != null) {
                throw new IllegalStateException("a history is set; put the system message first in it instead");
            }
            this.system = system;
            return this;
        }

        /**
         * A conversation to continue (a system message first, if any): the first turn evaluates it with its own
         * message, later turns only what is new. Not with {@link #system}.
         */
        public Builder history(List<ChatMessage> history) {
            Objects.requireNonNull(history, "history");
            once(this.history, "history");
            if (system != null) {
                throw new IllegalStateException("system is set; put the system message first in the history instead");
            }
            this.history = List.copyOf(history);
            return this;
        }

        /** A template instead of the model's own: see {@link Prompt#chat(List, String)}. */
        public Builder template(String template) {
            Objects.requireNonNull(template, "template");
            once(this.template, "template");
            if (template.isBlank()) {
                throw new IllegalArgumentException("template must not be blank");
            }
            this.template = template;
            return this;
        }

        /** A template variable, such as {@code enable_thinking}; see {@link Prompt.ChatBuilder#variable}. */
        public Builder variable(String name, Object value) {
            Prompt.chatBuilder(List.of(ChatMessage.user(""))).variable(name, value); // checks name and value
            if (variables.containsKey(name)) {
                throw new IllegalStateException("template variable " + name + " is already set");
            }
            variables.put(name, value);
            return this;
        }

        /** The functions the model may call; the template receives them as {@code tools}. */
        public Builder tools(List<ToolDefinition> tools) {
            Objects.requireNonNull(tools, "tools");
            if (!this.tools.isEmpty()) {
                throw new IllegalStateException("tools are already set");
            }
            this.tools = List.copyOf(tools);
            return this;
        }

        /** The most tokens of each reply, at least 1. */
        public Builder maxTokens(int maxTokens) {
            if (maxTokensSet) {
                throw new IllegalStateException("maxTokens was already set to " + this.maxTokens);
            }
            if (maxTokens <= 0) {
                throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
            }
            this.maxTokens = maxTokens;
            maxTokensSet = true;
            return this;
        }

        /** How each token is picked; default {@link Sampler#greedy()}. */
        public Builder sampler(Sampler sampler) {
            once(this.sampler, "sampler");
            this.sampler = Objects.requireNonNull(sampler, "sampler");
            return this;
        }

        /** The sampler's seed for every turn; default a random one per turn. */
        public Builder seed(long seed) {
            once(this.seed, "seed");
            this.seed = seed;
            return this;
        }

        /** Adds a stop string (not empty) for every reply. */
        public Builder stop(String stop) {
            Objects.requireNonNull(stop, "stop");
            if (stop.isEmpty()) {
                throw new IllegalArgumentException("a stop string must not be empty");
            }
            if (!stops.contains(stop)) {
                stops.add(stop);
            }
            return this;
        }

        /** The LoRA adapters every turn runs with; default none. A session with adapters cannot be saved. */
        public Builder adapters(AdapterSet adapters) {
            if (adaptersSet) {
                throw new IllegalStateException("adapters were already set to " + this.adapters);
            }
            this.adapters = Objects.requireNonNull(adapters, "adapters");
            adaptersSet = true;
            return this;
        }

        /** Whether and which of the {@link #tools} a {@link ChatSession#submitChat} turn calls; default auto. */
        public Builder toolChoice(ToolChoice toolChoice) {
            once(this.toolChoice, "toolChoice");
            this.toolChoice = Objects.requireNonNull(toolChoice, "toolChoice");
            return this;
        }

        /** Most tokens of thinking per {@link ChatSession#submitChat} reply (0: none); default no limit. */
        public Builder reasoningBudget(int tokens) {
            once(this.reasoningBudget, "reasoningBudget");
            if (tokens < 0) {
                throw new IllegalArgumentException("reasoningBudget must be at least 0, was " + tokens);
            }
            this.reasoningBudget = tokens;
            return this;
        }

        /** What a turn does when the conversation no longer fits; default {@link ContextPolicy#REFUSE}. */
        public Builder contextPolicy(ContextPolicy policy) {
            once(this.policy, "contextPolicy");
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Opens the session: holds a sequence slot of the model.
         *
         * @throws IllegalStateException when every slot is held by a session already, or the model is closed
         */
        public ChatSession build() {
            List<ChatMessage> start = history != null ? history
                    : system == null ? List.of() : List.of(ChatMessage.system(system));
            return new ChatSession(model, settle(), start);
        }

        /**
         * Opens a session that continues a saved one: its conversation (the system message included, so
         * {@link #system} must not be set) and its cells, put back without evaluating anything.
         *
         * @throws SessionStateException when the state is not a session state, is damaged or truncated, comes
         *     from another model file, llama.cpp release or KV cache type, or llama.cpp refuses it
         * @throws IllegalStateException as {@link #build()}
         */
        public ChatSession restore(byte[] state) {
            Objects.requireNonNull(state, "state");
            if (system != null || history != null) {
                throw new IllegalStateException("a restored session takes its conversation from the state; do not set "
                        + "system or history");
            }
            Settings settings = settle();
            SessionState saved;
            try {
                saved = SessionState.parse(state);
            } catch (IllegalArgumentException e) {
                throw new SessionStateException("cannot restore the chat session: " + e.getMessage(), e);
            }
            String mismatch = identity(model).mismatch(saved.identity());
            if (mismatch != null) {
                throw new SessionStateException("cannot restore the chat session into " + model.info().path() + ": "
                        + mismatch);
            }
            List<ChatMessage> conversation = new ArrayList<>();
            try {
                for (SessionState.Message message : saved.messages()) {
                    List<ToolCall> calls = message.toolCalls().stream()
                            .map(call -> new ToolCall(call.id(), call.name(), call.arguments())).toList();
                    conversation.add(new ChatMessage(message.role(), message.content(), calls, message.toolCallId()));
                }
            } catch (RuntimeException e) {
                throw new SessionStateException("cannot restore the chat session: a saved message is invalid: "
                        + e.getMessage(), e);
            }
            ChatSession session = new ChatSession(model, settings, conversation);
            try {
                session.engine.restoreHeld(session.slot, saved.tokens(), saved.kv());
            } catch (RuntimeException e) {
                session.close();
                if (e instanceof IllegalStateException closed && session.model.isClosed()) {
                    throw closed;
                }
                throw new SessionStateException("cannot restore the chat session: " + e.getMessage(), e);
            }
            return session;
        }

        /** Restores a state from a file; see {@link #restore(byte[])}. */
        public ChatSession restore(Path file) {
            Objects.requireNonNull(file, "file");
            try {
                return restore(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the session state " + file, e);
            }
        }

        private Settings settle() {
            if (model.isClosed()) {
                throw new IllegalStateException("the model " + model.info().path() + " is closed");
            }
            return new Settings(system, template, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variables)), tools, maxTokens, sampler, seed,
                    List.copyOf(stops), adapters, policy == null ? ContextPolicy.REFUSE : policy,
                    toolChoice == null ? ToolChoice.auto() : toolChoice, reasoningBudget == null ? -1 : reasoningBudget);
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }
    }
}
