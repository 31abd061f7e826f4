package dev.rill.server.internal;

import java.util.OptionalInt;

/**
 * A request that ends in an OpenAI error body: {@code {"error": {"message", "type", "param", "code"}}} with an
 * HTTP status.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final OptionalInt retryAfterSeconds;

    ApiException(int status, String type, String code, String param, String message, OptionalInt retryAfterSeconds,
                 Throwable cause) {
        super(message, cause);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: the request is malformed or a parameter is invalid; {@code param} names it (or null). */
    static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", null, param, message, OptionalInt.empty(), null);
    }

    /** 400 with a code. */
    static ApiException invalid(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", code, param, message, OptionalInt.empty(), null);
    }

    /** 404: no such model, adapter or route. */
    static ApiException notFound(String code, String message) {
        return new ApiException(404, "not_found_error", code, null, message, OptionalInt.empty(), null);
    }

    /** 401: missing or wrong API key. */
    static ApiException unauthorized(String message) {
        return new ApiException(401, "authentication_error", "invalid_api_key", null, message, OptionalInt.empty(),
                null);
    }

    /** 409: the resource is in a state that refuses the change. */
    static ApiException conflict(String code, String message) {
        return new ApiException(409, "invalid_request_error", code, null, message, OptionalInt.empty(), null);
    }

    /** 413: the body is over the limit. */
    static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null,
                "The request body is larger than this server's limit of " + limit + " bytes", OptionalInt.empty(),
                null);
    }

    /** 429: the queue is full; retry after the given seconds. */
    static ApiException queueFull(String message, int retryAfterSeconds) {
        return new ApiException(429, "rate_limit_error", "queue_full", null, message,
                OptionalInt.of(retryAfterSeconds), null);
    }

    /** 503: the server is shutting down. */
    static ApiException shuttingDown() {
        return new ApiException(503, "unavailable_error", "shutting_down", null,
                "The server is shutting down and takes no new requests", OptionalInt.empty(), null);
    }

    /** 501: an endpoint or feature that is not there yet. */
    static ApiException notImplemented(String message) {
        return new ApiException(501, "not_supported_error", "not_implemented", null, message, OptionalInt.empty(),
                null);
    }

    /** 405: the route exists with another method. */
    static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "invalid_request_error", "method_not_allowed", null,
                method + " is not allowed on " + path, OptionalInt.empty(), null);
    }

    /** 500: something failed inside the server. */
    static ApiException internal(String message, Throwable cause) {
        return new ApiException(500, "server_error", null, null, message, OptionalInt.empty(), cause);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The OpenAI error type, such as {@code invalid_request_error}. */
    public String type() {
        return type;
    }

    /** A machine-readable code, or null. */
    public String code() {
        return code;
    }

    /** The request parameter at fault, or null. */
    public String param() {
        return param;
    }

    /** Seconds for a {@code Retry-After} header, when the client should retry later. */
    public OptionalInt retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
