package dev.rill.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The server's one request handler: routes by method and path, checks the API key, reads bodies within the size
 * limit, and turns every failure into an OpenAI error body, counted in the metrics by endpoint and status.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    private final ServedModel served;
    private final Lifecycle lifecycle;
    private final ServerMetrics metrics;
    private final byte[] apiKey;
    private final long maxBodyBytes;
    private final ChatCompletions chat;
    private final Completions completions;
    private final Embeddings embeddings;
    private final Reranking reranking;
    private final ModelsAndAdapters models;
    private final AnthropicMessages messages;

    /**
     * The handler for {@code served}.
     *
     * @param apiKey the key clients must send as {@code Authorization: Bearer KEY}, or null for none
     */
    public HttpApi(ServedModel served, Lifecycle lifecycle, ServerMetrics metrics, String apiKey, long maxBodyBytes) {
        this.served = served;
        this.lifecycle = lifecycle;
        this.metrics = metrics;
        this.apiKey = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
        this.maxBodyBytes = maxBodyBytes;
        GenerationRunner runner = new GenerationRunner(served, lifecycle, metrics);
        this.chat = new ChatCompletions(served, runner);
        this.completions = new Completions(served, runner);
        this.embeddings = new Embeddings(served);
        this.reranking = new Reranking(served);
        this.models = new ModelsAndAdapters(served);
        this.messages = new AnthropicMessages(served, runner);
    }

    /** Handles one request; the returned publisher completes when the response has been written. */
    public Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        String path = request.fullPath();
        HttpMethod method = request.method();
        String endpoint = endpoint(path);
        lifecycle.started();
        Mono<Void> handled;
        try {
            handled = route(request, response, path, method);
        } catch (RuntimeException e) {
            handled = Mono.error(e);
        }
        return handled
                .onErrorResume(e -> {
                    ApiException api = ApiErrors.of(e, lifecycle.isDraining());
                    if (api.status() >= 500 && api.status() != 503 && api.status() != 501) {
                        LOG.warn("{} {} failed", method, path, e);
                    }
                    if (response.hasSentHeaders()) {
                        return Mono.error(e);
                    }
                    if (endpoint.equals("/v1/messages")) {
                        return Responses.error(response, api, AnthropicMessages.errorBody(api));
                    }
                    return Responses.error(response, api);
                })
                .doFinally(signal -> {
                    lifecycle.finished();
                    metrics.request(endpoint, response.status().code());
                });
    }

    private Mono<Void> route(HttpServerRequest request, HttpServerResponse response, String path, HttpMethod method) {
        boolean health = path.equals("/health");
        boolean page = path.equals("/") || path.equals("/index.html");
        if (lifecycle.isDraining()) {
            throw ApiException.shuttingDown();
        }
        if (page) {
            // The page itself is static and public; it sends the key the user types with each API call.
            return get(method, path, () -> Responses.text(response, 200, "text/html; charset=utf-8", ChatPage.HTML));
        }
        if (!health) {
            authorize(request);
        }
        if (health) {
            return get(method, path, () -> {
                ObjectNode status = Json.MAPPER.createObjectNode();
                status.put("status", "ok");
                var stats = served.model().stats();
                status.put("slots_idle", stats.parallelSequences() - stats.activeSequences());
                status.put("slots_processing", stats.activeSequences());
                status.put("requests_queued", stats.queuedRequests());
                return Responses.json(response, 200, status);
            });
        }
        switch (path) {
            case "/metrics":
                return get(method, path, () -> Responses.text(response, 200,
                        "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
            case "/v1/models":
                return get(method, path, () -> models.list(response));
            case "/v1/chat/completions":
                return post(request, method, path, body -> chat.handle(body, response));
            case "/v1/completions":
                return post(request, method, path, body -> completions.handle(body, response));
            case "/v1/embeddings":
                return post(request, method, path, body -> embeddings.handle(body, response));
            case "/v1/adapters":
                if (method.equals(HttpMethod.GET)) {
                    return models.adapters(response);
                }
                return post(request, method, path, body -> models.register(body, response));
            case "/v1/rerank", "/v1/reranking", "/rerank", "/reranking":
                return post(request, method, path, body -> reranking.handle(body, response));
            case "/v1/messages":
                return post(request, method, path, body -> messages.handle(body, response));
            default:
                break;
        }
        if (path.startsWith("/v1/models/")) {
            String id = path.substring("/v1/models/".length());
            return get(method, path, () -> models.one(decode(id), response));
        }
        if (path.startsWith("/v1/adapters/")) {
            String name = decode(path.substring("/v1/adapters/".length()));
            if (!method.equals(HttpMethod.DELETE)) {
                throw ApiException.methodNotAllowed(method.name(), path);
            }
            return models.unregister(name, response);
        }
        throw ApiException.notFound("not_found", "No route " + method.name() + " " + path);
    }

    private static String decode(String segment) {
        return java.net.URLDecoder.decode(segment, StandardCharsets.UTF_8);
    }

    private static Mono<Void> get(HttpMethod method, String path, java.util.function.Supplier<Mono<Void>> handler) {
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            throw ApiException.methodNotAllowed(method.name(), path);
        }
        return handler.get();
    }

    private Mono<Void> post(HttpServerRequest request, HttpMethod method, String path,
                            Function<ObjectNode, Mono<Void>> handler) {
        if (!method.equals(HttpMethod.POST)) {
            throw ApiException.methodNotAllowed(method.name(), path);
        }
        return body(request).map(Json::object).flatMap(handler);
    }

    /** The body, refused with 413 as soon as it is known to exceed the limit. */
    private Mono<byte[]> body(HttpServerRequest request) {
        String length = request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodyBytes) {
                    return Mono.error(ApiException.tooLarge(maxBodyBytes));
                }
            } catch (NumberFormatException e) {
                return Mono.error(ApiException.invalid(null, "Content-Length is not a number: " + length));
            }
        }
        return request.receive().asByteArray()
                .collect(ByteArrayOutputStream::new, (out, chunk) -> {
                    if (out.size() + (long) chunk.length > maxBodyBytes) {
                        throw ApiException.tooLarge(maxBodyBytes);
                    }
                    out.writeBytes(chunk);
                })
                .map(ByteArrayOutputStream::toByteArray);
    }

    private void authorize(HttpServerRequest request) {
        if (apiKey == null) {
            return;
        }
        String header = request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
        String key = null;
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = header.substring(7).trim();
        } else if (request.requestHeaders().get("x-api-key") != null) {
            key = request.requestHeaders().get("x-api-key").trim();
        }
        if (key == null) {
            throw ApiException.unauthorized("This server needs an API key: send 'Authorization: Bearer <key>'");
        }
        if (!MessageDigest.isEqual(apiKey, key.getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized("The API key is not valid");
        }
    }

    /** A bounded label for the metrics: the route, not the full path. */
    private static String endpoint(String path) {
        if (path.startsWith("/v1/models/")) {
            return "/v1/models/{id}";
        }
        if (path.startsWith("/v1/adapters/")) {
            return "/v1/adapters/{name}";
        }
        return switch (path) {
            case "/", "/index.html" -> "/";
            case "/v1/reranking", "/rerank", "/reranking" -> "/v1/rerank";
            case "/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions", "/v1/embeddings",
                 "/v1/adapters", "/v1/rerank", "/v1/messages" -> path;
            default -> "other";
        };
    }

    /** Frees what the handler created (the embedder and the reranker). */
    public void close() {
        try {
            embeddings.close();
        } finally {
            reranking.close();
        }
    }
}
