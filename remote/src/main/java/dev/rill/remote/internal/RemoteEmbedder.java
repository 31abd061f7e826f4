package dev.rill.remote.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.RillException;
import dev.rill.TextEmbedder;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link TextEmbedder} over {@code /v1/embeddings}: one request per {@link #embed(List)} call, vectors put back
 * in input order by their {@code index}, L2-normalized here when asked (the servers mostly normalize already).
 */
public final class RemoteEmbedder implements TextEmbedder {
    private final Function<ObjectNode, JsonNode> post;
    private final String model;
    private final boolean normalize;
    private volatile int dimensions = -1;
    private volatile boolean closed;

    /** An embedder that posts bodies with {@code post} (which throws the mapped HTTP errors). */
    public RemoteEmbedder(Function<ObjectNode, JsonNode> post, String model, boolean normalize) {
        this.post = post;
        this.model = model;
        this.normalize = normalize;
    }

    @Override
    public int dimensions() {
        int d = dimensions;
        if (d < 0) {
            d = embed(List.of(" "))[0].length;
        }
        return d;
    }

    @Override
    public float[][] embed(List<String> texts) {
        if (closed) {
            throw new IllegalStateException("the embedder is closed");
        }
        if (texts.isEmpty()) {
            return new float[0][];
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (model != null) {
            body.put("model", model);
        }
        ArrayNode input = body.putArray("input");
        texts.forEach(input::add);
        body.put("encoding_format", "float");
        JsonNode data = post.apply(body).path("data");
        if (!data.isArray() || data.size() != texts.size()) {
            throw new RillException("the server answered " + data.size() + " embeddings for " + texts.size()
                    + " texts");
        }
        float[][] vectors = new float[texts.size()][];
        for (int i = 0; i < data.size(); i++) {
            JsonNode item = data.get(i);
            int at = item.path("index").asInt(i);
            JsonNode values = item.path("embedding");
            float[] v = new float[values.size()];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) values.get(j).asDouble();
            }
            if (normalize) {
                double sum = 0;
                for (float x : v) {
                    sum += (double) x * x;
                }
                double norm = Math.sqrt(sum);
                if (norm > 0) {
                    for (int j = 0; j < v.length; j++) {
                        v[j] = (float) (v[j] / norm);
                    }
                }
            }
            vectors[at] = v;
        }
        dimensions = vectors[0].length;
        return vectors;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
