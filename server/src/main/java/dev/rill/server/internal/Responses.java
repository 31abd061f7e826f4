package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/** Writing JSON bodies, OpenAI error bodies and server-sent events. */
final class Responses {
    /** The event that ends an OpenAI stream. */
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private Responses() {
    }

    static Mono<Void> json(HttpServerResponse response, int status, JsonNode body) {
        byte[] bytes = Json.bytes(body);
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
                .sendByteArray(Mono.just(bytes))
                .then();
    }

    static Mono<Void> text(HttpServerResponse response, int status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, contentType)
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
                .sendByteArray(Mono.just(bytes))
                .then();
    }

    static Mono<Void> error(HttpServerResponse response, ApiException e) {
        return error(response, e, ApiErrors.body(e));
    }

    /** An error with another body shape (the Anthropic API's), with the same status and headers. */
    static Mono<Void> error(HttpServerResponse response, ApiException e, JsonNode body) {
        e.retryAfterSeconds().ifPresent(s -> response.header(HttpHeaderNames.RETRY_AFTER, Integer.toString(s)));
        if (e.status() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            // The rest of the body was not read; the connection cannot carry another request.
            response.keepAlive(false);
        }
        return json(response, e.status(), body);
    }

    /**
     * Streams events, flushing each one as it comes, so that every token leaves at once and the connection's
     * writability paces the source.
     */
    static Mono<Void> sse(HttpServerResponse response, Flux<byte[]> events) {
        Flux<ByteBuf> buffers = events.map(Unpooled::wrappedBuffer);
        return response.status(200)
                .header(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .send(buffers, buffer -> true)
                .then();
    }

    /** A named event ({@code event: NAME}) of one JSON object, as the Anthropic API streams them. */
    static byte[] event(String name, JsonNode node) {
        byte[] head = ("event: " + name + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] data = event(node);
        byte[] out = new byte[head.length + data.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(data, 0, out, head.length, data.length);
        return out;
    }

    /** Several events as one buffer. */
    static byte[] concat(List<byte[]> events) {
        if (events.size() == 1) {
            return events.getFirst();
        }
        int length = 0;
        for (byte[] event : events) {
            length += event.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] event : events) {
            System.arraycopy(event, 0, out, at, event.length);
            at += event.length;
        }
        return out;
    }

    /** A {@code data:} event of one JSON object. */
    static byte[] event(JsonNode node) {
        byte[] json = Json.bytes(node);
        byte[] out = new byte[json.length + 8];
        out[0] = 'd';
        out[1] = 'a';
        out[2] = 't';
        out[3] = 'a';
        out[4] = ':';
        out[5] = ' ';
        System.arraycopy(json, 0, out, 6, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }
}
