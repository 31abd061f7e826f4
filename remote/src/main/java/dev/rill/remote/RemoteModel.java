package dev.rill.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ChatCallback;
import dev.rill.ChatGeneration;
import dev.rill.ChatResult;
import dev.rill.Demand;
import dev.rill.EmbeddingOptions;
import dev.rill.Generation;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.ModelInfo;
import dev.rill.RillException;
import dev.rill.SpecialTokens;
import dev.rill.TextEmbedder;
import dev.rill.TokenCallback;
import dev.rill.remote.internal.HttpErrors;
import dev.rill.remote.internal.Json;
import dev.rill.remote.internal.RemoteEmbedder;
import dev.rill.remote.internal.RemoteGeneration;
import dev.rill.remote.internal.RequestBodies;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A {@link LanguageModel} served by an OpenAI-compatible server ({@code rill serve}, vLLM, SGLang, llama.cpp's
 * server), so that code written for an in-process {@link dev.rill.Model} runs unchanged against it.
 *
 * <pre>{@code
 * try (LanguageModel model = RemoteModel.builder().baseUrl("http://127.0.0.1:8080").model("qwen3").build()) {
 *     model.generate(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Hi")))).maxTokens(64).build(),
 *             (token, generation) -> System.out.print(token.text()));
 * }
 * }</pre>
 *
 * <p><b>Requests.</b> A text or token prompt goes to {@code POST /v1/completions}, a chat prompt (messages, tools,
 * tool choice, template variables as {@code chat_template_kwargs}) to {@code POST /v1/chat/completions}, always
 * streamed ({@code stream: true}, {@code stream_options.include_usage}). Max tokens, stop strings and the seed go
 * to the server, which applies them. {@link dev.rill.sampling.Sampler#greedy()} is {@code temperature: 0}; a
 * {@link dev.rill.sampling.SamplerChain} sends its temperature, top-p, top-k, min-p, frequency and presence
 * penalties (the server's own window: 64 tokens on {@code rill serve}) and logit biases. Refused with
 * {@link IllegalArgumentException}: other samplers and grammars, typical-p, a repeat penalty, a chat template or
 * chat format of the caller's, a reasoning budget, and adapters loaded in this process (name the server's on the
 * builder instead).
 *
 * <p><b>Tokens.</b> Each streamed delta becomes a {@link dev.rill.StreamToken}. Without
 * {@link GenerationRequest.Builder#topAlternatives alternatives} asked for, servers send only text: the token id
 * is {@code -1} and probability and logit are {@code NaN}, and a delta that releases no text is not seen at all.
 * With alternatives ({@code logprobs}, {@code top_logprobs}), each token carries its probability under the model's
 * own distribution (the exponent of its log probability; not the sampler's, as in-process tokens report) and its
 * alternatives; the id where the server sends one ({@code rill serve} and llama.cpp's server do in chat
 * completions, vLLM does not). The raw logit is never sent: always {@code NaN}. {@code endOfSequence} is always
 * false (the end-of-generation token is not streamed).
 *
 * <p><b>Results.</b> Finish reasons: {@code stop} is {@code END_OF_SEQUENCE}, or {@code STOP_STRING} where the
 * server names the stop string (vLLM's {@code stop_reason}); {@code length} is {@code MAX_TOKENS} (or
 * {@code CONTEXT_FULL} when fewer tokens than asked were made); {@code tool_calls} is {@code TOOL_CALLS};
 * {@code abort} (a server shutting down) is {@code MODEL_CLOSED}; {@code cancel()} gives {@code CANCELLED}.
 * Token counts come from the server's usage. The seed is the request's, or -1 when the server picked one.
 * Timings: time to first token, generation and total as measured here; queueing and prompt evaluation are
 * unknown (zero).
 *
 * <p><b>Backpressure and cancellation.</b> The body is read one buffer at a time, only while the
 * {@link Demand} wants tokens: without demand the client stops reading the socket, and the server (Rill's does)
 * stops generating once its writes back up. {@link Generation#cancel()} closes the stream, which ends the
 * generation on the server. Callbacks run on this model's own threads, one at a time per generation.
 *
 * <p><b>Failures.</b> {@code submit} returns once the server accepted the request (its status arrived) and
 * throws what the server refused: 400 as {@link IllegalArgumentException}, or {@link dev.rill.PromptTooLongException}
 * when the body says the prompt exceeds the context; 429 as {@link dev.rill.RejectedGenerationException}; any
 * other status as {@link RillException}; each message names the status and the server's message. A refused
 * connection, a connect timeout and 502, 503 or 504 are retried ({@link Builder#retries}) before the first token
 * only; nothing after it is retried. An error event in the stream, a first-token or idle timeout end the
 * generation with {@code ERROR}.
 *
 * <p><b>Adapters.</b> {@link Builder#adapter(String)} sends {@code "model": "base:adapter"} (vLLM, SGLang and Rill
 * name adapters by model); {@link Builder#lora} sends llama.cpp's {@code lora} list, which Rill also takes.
 * {@link Generation#switchAdapters} is unsupported.
 *
 * <p><b>What a remote cannot tell.</b> {@link #info()} reads {@code GET /v1/models}: the id and what the server
 * adds (Rill's {@code meta}: architecture, description, context and vocabulary sizes; llama.cpp's {@code meta}:
 * vocabulary, training context, width, parameters, size). Unknown fields are 0, -1 for special tokens, false,
 * empty or null ({@code path} and {@code runtime} are always null).
 */
public final class RemoteModel implements LanguageModel {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final URI base;
    private final String apiKey;
    private final String modelField;
    private final String modelName;
    private final List<RequestBodies.Lora> lora;
    private final Duration connectTimeout;
    private final Duration firstTokenTimeout;
    private final Duration idleTimeout;
    private final int retries;
    private final ExecutorService executor;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private final Set<RemoteGeneration> live = ConcurrentHashMap.newKeySet();
    private final Set<RemoteEmbedder> embedders = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private volatile ModelInfo info;

    private RemoteModel(Builder b) {
        this.base = b.base;
        this.apiKey = b.apiKey;
        this.modelName = b.model;
        this.modelField = b.adapter == null ? b.model : b.model + ":" + b.adapter;
        this.lora = List.copyOf(b.lora);
        this.connectTimeout = b.connectTimeout == null ? Duration.ofSeconds(10) : b.connectTimeout;
        this.firstTokenTimeout = b.firstTokenTimeout == null ? Duration.ofMinutes(2) : b.firstTokenTimeout;
        this.idleTimeout = b.idleTimeout == null ? Duration.ofMinutes(1) : b.idleTimeout;
        this.retries = b.retries == null ? 2 : b.retries;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rill-remote-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rill-remote-timer-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .executor(executor).build();
    }

    /** A builder; {@link Builder#baseUrl} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The server's address, without {@code /v1}. */
    public URI baseUrl() {
        return base;
    }

    /** What the remote says about the model (see the class documentation for the fields it cannot tell). */
    @Override
    public ModelInfo info() {
        checkOpen();
        ModelInfo known = info;
        if (known == null) {
            known = readInfo();
            info = known;
        }
        return known;
    }

    private ModelInfo readInfo() {
        HttpRequest request = authorized(HttpRequest.newBuilder(base.resolve("/v1/models")))
                .timeout(firstTokenTimeout).GET().build();
        JsonNode root = Json.parseOrNull(send(request));
        JsonNode data = root == null ? null : root.path("data");
        JsonNode entry = null;
        if (data != null && data.isArray()) {
            for (JsonNode m : data) {
                if (entry == null || (modelName != null && modelName.equals(m.path("id").asText()))) {
                    entry = m;
                }
            }
        }
        if (entry == null) {
            throw new RillException("GET " + base.resolve("/v1/models") + " listed no model");
        }
        String id = entry.path("id").asText(modelName);
        JsonNode meta = entry.path("meta");
        return new ModelInfo(null, meta.path("description").asText("remote model " + id + " at " + base),
                meta.path("architecture").asText("unknown"), Optional.of(id),
                meta.path("vocabulary_size").asInt(meta.path("n_vocab").asInt(0)),
                meta.path("n_ctx_train").asInt(0), meta.path("n_embd").asInt(0), 0, 0,
                meta.path("n_params").asLong(0), meta.path("size").asLong(0),
                new SpecialTokens(-1, -1, -1, -1, -1), false, Optional.empty(),
                meta.path("context_size").asInt(0), meta.path("sequence_context_size").asInt(0), null);
    }

    @Override
    public GenerationResult generate(GenerationRequest request, TokenCallback callback) {
        if (Thread.currentThread().getName().startsWith("rill-remote-")) {
            throw new IllegalStateException("generate blocks; it cannot be called from a token callback (use submit)");
        }
        return submit(request, callback).await();
    }

    @Override
    public Generation submit(GenerationRequest request, TokenCallback callback, Demand demand) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(demand, "demand");
        return start(request, () -> new RemoteGeneration(callback, demand, executor, timer, firstTokenTimeout,
                idleTimeout, request.maxTokens(), request.seed().orElse(-1)));
    }

    /**
     * Runs a chat request, streaming each token with its channel to {@code callback}, and waits for the end: see
     * {@link #submitChat(GenerationRequest, ChatCallback, Demand)}.
     *
     * @throws IllegalStateException when called from a callback of this model, or after close
     */
    @Override
    public ChatResult chat(GenerationRequest request, ChatCallback callback) {
        if (Thread.currentThread().getName().startsWith("rill-remote-")) {
            throw new IllegalStateException("chat() blocks; it cannot be called from a token callback "
                    + "(use submitChat)");
        }
        return submitChat(request, callback, Demand.unbounded()).awaitChat();
    }

    /**
     * Queues a chat request whose answer, reasoning and tool calls stream apart, as the server parsed them:
     * {@code delta.content} on {@link dev.rill.ChatChannel#CONTENT}, {@code delta.reasoning_content} (or vLLM's
     * {@code delta.reasoning}) on {@code REASONING}, {@code delta.tool_calls} as {@link dev.rill.ToolCallDelta}s on
     * {@code TOOL_CALL}: calls numbered from 0, the first delta of each with its id (the server's, or one made here)
     * and name, then argument fragments. Each event is a token (one per log-probability entry when alternatives
     * were asked for); its text is the reasoning, answer and argument text it adds. The result's calls are those
     * whose arguments are a JSON object when the stream ended; its finish reason is {@code TOOL_CALLS} for
     * {@code finish_reason: "tool_calls"}, or when calls came and the server said {@code stop}. No text is held
     * back ({@link ChatResult#tail()} is empty). Reasoning appears only where the server separates it (llama.cpp's
     * server with a reasoning format, vLLM with a reasoning parser); otherwise it is part of the answer.
     *
     * @throws IllegalArgumentException when the prompt is not a chat prompt, or for what {@link #submit} refuses
     * @throws IllegalStateException after close
     */
    @Override
    public ChatGeneration submitChat(GenerationRequest request, ChatCallback callback, Demand demand) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(demand, "demand");
        if (!RequestBodies.isChat(request)) {
            throw new IllegalArgumentException("submitChat needs a chat prompt (Prompt.chat or Prompt.chatBuilder), "
                    + "not " + request.prompt().getClass().getSimpleName());
        }
        return start(request, () -> RemoteGeneration.ofChat(callback, demand, executor, timer, firstTokenTimeout,
                idleTimeout, request.maxTokens(), request.seed().orElse(-1)));
    }

    /** Sends {@code request} and streams its body into a generation {@code generations} makes, once per attempt. */
    private RemoteGeneration start(GenerationRequest request, Supplier<RemoteGeneration> generations) {
        checkOpen();
        ObjectNode body = RequestBodies.body(request, modelField, lora);
        URI uri = base.resolve(RequestBodies.isChat(request) ? "/v1/chat/completions" : "/v1/completions");
        HttpRequest http = authorized(HttpRequest.newBuilder(uri))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .timeout(firstTokenTimeout)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        for (int attempt = 0; ; attempt++) {
            RemoteGeneration generation = generations.get();
            CompletableFuture<Integer> status = new CompletableFuture<>();
            CompletableFuture<HttpResponse<Object>> response = this.http.sendAsync(http, info -> {
                status.complete(info.statusCode());
                if (info.statusCode() / 100 == 2) {
                    return HttpResponse.BodySubscribers.mapping(
                            HttpResponse.BodySubscribers.fromSubscriber(generation), v -> (Object) null);
                }
                return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(
                        java.nio.charset.StandardCharsets.UTF_8), s -> (Object) s);
            });
            generation.onAbort(() -> response.cancel(true));
            response.whenComplete((r, e) -> {
                if (e != null && !generation.isDone()) {
                    status.completeExceptionally(e);
                    generation.fail(new RillException("the stream from " + uri + " failed: " + e.getMessage(), e));
                }
            });
            try {
                int code = status.get(firstTokenTimeout.toNanos() + connectTimeout.toNanos(), TimeUnit.NANOSECONDS);
                if (code / 100 == 2) {
                    live.add(generation);
                    generation.result().whenComplete((r, e) -> live.remove(generation));
                    if (closed) {
                        generation.cancel();
                    }
                    return generation;
                }
                String error = (String) response.get(firstTokenTimeout.toNanos(), TimeUnit.NANOSECONDS).body();
                if (HttpErrors.retryable(code) && attempt < retries) {
                    pause(attempt);
                    continue;
                }
                throw HttpErrors.of(code, error, "POST " + uri);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (retryableBeforeResponse(cause) && attempt < retries) {
                    pause(attempt);
                    continue;
                }
                throw new RillException("POST " + uri + " failed: " + cause, cause);
            } catch (TimeoutException e) {
                response.cancel(true);
                throw new RillException("POST " + uri + ": no response within " + firstTokenTimeout, e);
            } catch (InterruptedException e) {
                response.cancel(true);
                Thread.currentThread().interrupt();
                throw new RillException("interrupted while sending POST " + uri, e);
            }
        }
    }

    private static boolean retryableBeforeResponse(Throwable cause) {
        return cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException
                || (cause instanceof IOException && cause.getCause() instanceof ConnectException);
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(100L << Math.min(attempt, 5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RillException("interrupted between retries", e);
        }
    }

    /**
     * An embedder over {@code /v1/embeddings}. Vectors are as the server makes them (Rill, llama.cpp's server and
     * OpenAI L2-normalize); {@code normalize(true)} normalizes them here too. A pooling or truncation cannot be
     * asked of the server and is refused; {@code batchSize} does not apply.
     *
     * @throws IllegalArgumentException for a pooling or {@code truncate(true)}
     */
    @Override
    public TextEmbedder embedder(EmbeddingOptions options) {
        checkOpen();
        if (options.pooling().isPresent()) {
            throw new IllegalArgumentException("a remote embedder uses the server's pooling; pooling "
                    + options.pooling().get() + " cannot be sent");
        }
        if (options.truncate()) {
            throw new IllegalArgumentException("a remote embedder cannot ask the server to truncate texts");
        }
        RemoteEmbedder embedder = new RemoteEmbedder(this::postJson, modelField, options.normalize());
        embedders.add(embedder);
        return embedder;
    }

    private JsonNode postJson(ObjectNode body) {
        checkOpen();
        URI uri = base.resolve("/v1/embeddings");
        HttpRequest request = authorized(HttpRequest.newBuilder(uri)).header("Content-Type", "application/json")
                .timeout(firstTokenTimeout).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        JsonNode root = Json.parseOrNull(send(request));
        if (root == null) {
            throw new RillException("POST " + uri + " answered no JSON");
        }
        return root;
    }

    /** Sends a plain request, retrying as streams do, and returns the body of a 2xx answer. */
    private String send(HttpRequest request) {
        String what = request.method() + " " + request.uri();
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (retryableBeforeResponse(e) && attempt < retries) {
                    pause(attempt);
                    continue;
                }
                throw new RillException(what + " failed: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RillException("interrupted during " + what, e);
            }
            int code = response.statusCode();
            if (code / 100 == 2) {
                return response.body();
            }
            if (HttpErrors.retryable(code) && attempt < retries) {
                pause(attempt);
                continue;
            }
            throw HttpErrors.of(code, response.body(), what);
        }
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return request;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the remote model is closed");
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Ends every running generation ({@code MODEL_CLOSED}), closes the embedders and the HTTP client. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (RemoteGeneration generation : live) {
            generation.closeModel();
        }
        embedders.forEach(RemoteEmbedder::close);
        http.shutdown();
        timer.shutdownNow();
        executor.shutdown();
    }

    @Override
    public String toString() {
        return "RemoteModel{" + base + (modelField == null ? "" : ", model=" + modelField) + '}';
    }

    /**
     * Builds a {@link RemoteModel}. Every setter checks its argument at once and may be called once.
     *
     * <p>Defaults: no API key, no {@code model} field (the server's default model), no adapter, a connect timeout
     * of 10 s, a first-token timeout of 2 min (also the wait for the response's status), an idle timeout of 1 min
     * between events while tokens are wanted, 2 retries.
     */
    public static final class Builder {
        private URI base;
        private String apiKey;
        private String model;
        private String adapter;
        private final List<RequestBodies.Lora> lora = new ArrayList<>();
        private Duration connectTimeout;
        private Duration firstTokenTimeout;
        private Duration idleTimeout;
        private Integer retries;

        private Builder() {
        }

        /**
         * The server's address, such as {@code http://127.0.0.1:8080}; a trailing {@code /v1} is dropped, as the
         * paths add it.
         */
        public Builder baseUrl(String url) {
            Objects.requireNonNull(url, "url");
            once(base, "baseUrl");
            URI uri;
            try {
                uri = URI.create(url.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("baseUrl is not a URL: '" + url + "'", e);
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("baseUrl must be an http or https URL with a host, was '" + url + "'");
            }
            String path = uri.getPath() == null ? "" : uri.getPath();
            path = path.replaceAll("/+$", "");
            if (path.endsWith("/v1")) {
                path = path.substring(0, path.length() - 3);
            }
            if (!path.isEmpty()) {
                throw new IllegalArgumentException("baseUrl must be the server's root (with or without /v1), was '"
                        + url + "'");
            }
            this.base = URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
            return this;
        }

        /** The API key, sent as {@code Authorization: Bearer KEY}. */
        public Builder apiKey(String apiKey) {
            Objects.requireNonNull(apiKey, "apiKey");
            once(this.apiKey, "apiKey");
            if (apiKey.isBlank()) {
                throw new IllegalArgumentException("apiKey must not be blank");
            }
            this.apiKey = apiKey;
            return this;
        }

        /** The model's name on the server, sent as {@code "model"}. */
        public Builder model(String model) {
            Objects.requireNonNull(model, "model");
            once(this.model, "model");
            if (model.isBlank()) {
                throw new IllegalArgumentException("model must not be blank");
            }
            this.model = model;
            return this;
        }

        /**
         * An adapter the server has registered, sent as {@code "model": "base:adapter"} (vLLM, SGLang, Rill).
         * Needs {@link #model}.
         */
        public Builder adapter(String adapter) {
            Objects.requireNonNull(adapter, "adapter");
            once(this.adapter, "adapter");
            if (adapter.isBlank() || adapter.contains(":")) {
                throw new IllegalArgumentException("adapter must be a name without ':', was '" + adapter + "'");
            }
            this.adapter = adapter;
            return this;
        }

        /** An adapter in llama.cpp's {@code lora} list, by name, at {@code scale}. May be called for several. */
        public Builder lora(String name, double scale) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a lora name must not be blank");
            }
            return addLora(name, scale);
        }

        /** An adapter in llama.cpp's {@code lora} list, by its position on the server, at {@code scale}. */
        public Builder lora(int index, double scale) {
            if (index < 0) {
                throw new IllegalArgumentException("a lora index must be >= 0, was " + index);
            }
            return addLora(index, scale);
        }

        private Builder addLora(Object id, double scale) {
            if (!Double.isFinite(scale)) {
                throw new IllegalArgumentException("a lora scale must be finite, was " + scale);
            }
            if (lora.stream().anyMatch(l -> l.id().equals(id))) {
                throw new IllegalStateException("lora " + id + " was already added");
            }
            lora.add(new RequestBodies.Lora(id, scale));
            return this;
        }

        /** How long connecting may take. */
        public Builder connectTimeout(Duration timeout) {
            once(connectTimeout, "connectTimeout");
            connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long a request may wait for its response and first token. */
        public Builder firstTokenTimeout(Duration timeout) {
            once(firstTokenTimeout, "firstTokenTimeout");
            firstTokenTimeout = positive(timeout, "firstTokenTimeout");
            return this;
        }

        /** How long a stream may go without an event while the consumer wants tokens. */
        public Builder idleTimeout(Duration timeout) {
            once(idleTimeout, "idleTimeout");
            idleTimeout = positive(timeout, "idleTimeout");
            return this;
        }

        /**
         * How many times a request is sent again when it failed before the server started it (connection refused,
         * connect timeout, 502, 503, 504); 0 to 10.
         */
        public Builder retries(int retries) {
            once(this.retries, "retries");
            if (retries < 0 || retries > 10) {
                throw new IllegalArgumentException("retries must be in [0, 10], was " + retries);
            }
            this.retries = retries;
            return this;
        }

        /**
         * The model.
         *
         * @throws IllegalStateException without a base URL, or with an adapter but no model name
         */
        public RemoteModel build() {
            if (base == null) {
                throw new IllegalStateException("baseUrl is required");
            }
            if (adapter != null && model == null) {
                throw new IllegalStateException("adapter '" + adapter + "' needs the base model's name (model(...))");
            }
            return new RemoteModel(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }
    }
}
