package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.Embedder;
import dev.rill.EmbeddingOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code POST /v1/embeddings}: one normalized vector per input text, from an {@link Embedder} on the served model
 * (created on first use, with a llama.cpp context of its own). {@code input} is a string or an array of strings;
 * {@code encoding_format} {@code float} (default) or {@code base64} (little-endian float32, as the OpenAI API
 * sends it). Token-id input and {@code dimensions} other than the model's width are refused. Embedding runs off
 * the event loop.
 */
final class Embeddings implements AutoCloseable {
    private final ServedModel served;
    private Embedder embedder; // guarded by this

    Embeddings(ServedModel served) {
        this.served = served;
    }

    /** What an embeddings request asks for. */
    record Request(List<String> texts, boolean base64, String model, Integer dimensions) {
    }

    /** Reads {@code body}: the texts and the form of the answer, or a 4xx {@link ApiException}. */
    Request decode(ObjectNode body) {
        served.selection(body); // the model must be this one; adapters do not apply to embeddings
        List<String> texts = texts(body);
        String format = Json.string(body, "encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiException.invalid("encoding_format", "'encoding_format' must be float or base64, was '"
                    + format + "'");
        }
        String model = Json.string(body, "model", served.id());
        Integer dimensions = Json.integer(body, "dimensions", 1, Integer.MAX_VALUE);
        return new Request(texts, format.equals("base64"), model, dimensions);
    }

    Mono<Void> handle(ObjectNode body, HttpServerResponse response) {
        Request request = decode(body);
        List<String> texts = request.texts();
        String model = request.model();
        Integer dimensions = request.dimensions();
        return Mono.fromCallable(() -> {
                    Embedder e = embedder();
                    if (dimensions != null && dimensions != e.dimensions()) {
                        throw ApiException.invalid("dimensions", "this model's embeddings have " + e.dimensions()
                                + " dimensions, not " + dimensions);
                    }
                    float[][] vectors = e.embed(texts);
                    int tokens = 0;
                    for (String text : texts) {
                        tokens += served.model().tokenize(text).length;
                    }
                    return body(vectors, request.base64(), model, tokens);
                })
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(json -> Responses.json(response, 200, json));
    }

    private static List<String> texts(ObjectNode body) {
        JsonNode input = body.get("input");
        List<String> texts = new ArrayList<>();
        if (input != null && input.isTextual()) {
            texts.add(input.asText());
        } else if (input != null && input.isArray() && !input.isEmpty()) {
            for (JsonNode item : input) {
                if (!item.isTextual()) {
                    throw ApiException.invalid("input", "'input' must be a string or an array of strings (token "
                            + "ids are not supported), found " + item);
                }
                texts.add(item.asText());
            }
        } else {
            throw ApiException.invalid("input", "'input' must be a string or a non-empty array of strings");
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i).isEmpty()) {
                throw ApiException.invalid("input", "input[" + i + "] is empty");
            }
        }
        return texts;
    }

    private static ObjectNode body(float[][] vectors, boolean base64, String model, int tokens) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < vectors.length; i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (base64) {
                ByteBuffer buffer = ByteBuffer.allocate(vectors[i].length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : vectors[i]) {
                    buffer.putFloat(v);
                }
                item.put("embedding", Base64.getEncoder().encodeToString(buffer.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : vectors[i]) {
                    values.add(v);
                }
            }
        }
        root.put("model", model);
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return root;
    }

    private synchronized Embedder embedder() {
        if (embedder == null) {
            embedder = served.model().embedder(EmbeddingOptions.builder().normalize(true).build());
        }
        return embedder;
    }

    @Override
    public synchronized void close() {
        if (embedder != null) {
            embedder.close();
        }
    }
}
