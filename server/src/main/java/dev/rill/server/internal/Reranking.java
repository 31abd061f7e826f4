package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.RankedDocument;
import dev.rill.Reranker;
import dev.rill.TextTooLongException;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerResponse;

/**
 * {@code POST /v1/rerank} (also {@code /v1/reranking}, {@code /rerank}, {@code /reranking}, as llama.cpp's server
 * routes it): the documents scored against the query by a {@link Reranker} on the served model, most relevant
 * first, in the shape llama.cpp's server and Jina's API answer: {@code results: [{index, relevance_score,
 * document?}]} and {@code usage}. The reranker is created on the first request, with a llama.cpp context of its
 * own, and closed with the server. Scoring runs off the event loop.
 */
final class Reranking implements AutoCloseable {
    private final ServedModel served;
    private Reranker reranker; // guarded by this
    private boolean closed; // guarded by this

    Reranking(ServedModel served) {
        this.served = served;
    }

    /** What a rerank request asks for. */
    record Request(String query, List<String> documents, Integer topN, boolean returnDocuments, String model) {
    }

    /** Reads {@code body}: the query, the documents and the form of the answer, or a 4xx {@link ApiException}. */
    Request decode(ObjectNode body) {
        served.selection(body); // the model must be this one; adapters do not apply to reranking
        String query = Json.requiredString(body, "query", "A rerank request");
        List<String> documents = documents(body);
        Integer topN = Json.integer(body, "top_n", 1, Integer.MAX_VALUE);
        boolean returnDocuments = Json.bool(body, "return_documents", false);
        String model = Json.string(body, "model", served.id());
        return new Request(query, documents, topN, returnDocuments, model);
    }

    Mono<Void> handle(ObjectNode body, HttpServerResponse response) {
        Request request = decode(body);
        String query = request.query();
        List<String> documents = request.documents();
        Integer topN = request.topN();
        boolean returnDocuments = request.returnDocuments();
        String model = request.model();
        return Mono.fromCallable(() -> {
                    List<RankedDocument> ranked;
                    try {
                        ranked = reranker().rank(query, documents);
                    } catch (TextTooLongException tooLong) {
                        throw ApiException.invalid("documents", "context_length_exceeded", "The query and document "
                                + tooLong.index() + " are " + tooLong.tokens() + " tokens together, but the "
                                + "reranker takes at most " + tooLong.limit() + " (prompt_tokens=" + tooLong.tokens()
                                + ", limit=" + tooLong.limit() + ")");
                    }
                    int tokens = 0;
                    int queryTokens = served.model().tokenize(query, false, false).length;
                    for (String document : documents) {
                        tokens += queryTokens + served.model().tokenize(document, false, false).length;
                    }
                    int kept = topN == null ? ranked.size() : Math.min(topN, ranked.size());
                    return body(ranked.subList(0, kept), returnDocuments, model, tokens);
                })
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(json -> Responses.json(response, 200, json));
    }

    private static List<String> documents(ObjectNode body) {
        JsonNode node = body.get("documents");
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiException.invalid("documents", "'documents' must be a non-empty array of strings");
        }
        List<String> documents = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw ApiException.invalid("documents", "'documents' must be an array of strings, found " + item);
            }
            documents.add(item.asText());
        }
        return documents;
    }

    private static ObjectNode body(List<RankedDocument> ranked, boolean returnDocuments, String model, int tokens) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        root.put("model", model);
        ArrayNode results = root.putArray("results");
        for (RankedDocument document : ranked) {
            ObjectNode item = results.addObject();
            item.put("index", document.index());
            item.put("relevance_score", document.score());
            if (returnDocuments) {
                item.putObject("document").put("text", document.document());
            }
        }
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return root;
    }

    /** The served model's reranker, created on first use; 400 when the model is not one, 501 where llama.cpp cannot. */
    private synchronized Reranker reranker() {
        if (closed) {
            throw ApiException.shuttingDown();
        }
        if (reranker == null) {
            try {
                reranker = served.model().reranker();
            } catch (UnsupportedOperationException notAReranker) {
                throw ApiException.invalid("model", "model_not_reranker", "The model '" + served.id()
                        + "' cannot rerank: " + notAReranker.getMessage());
            } catch (IllegalArgumentException unable) {
                throw ApiException.notImplemented("Reranking is not available with this llama.cpp release: "
                        + unable.getMessage());
            }
        }
        return reranker;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (reranker != null) {
            reranker.close();
        }
    }
}
