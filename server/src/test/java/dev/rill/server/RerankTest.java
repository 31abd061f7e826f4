package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.Reranker;
import dev.rill.llama.LlamaProfile;
import dev.rill.testkit.BertModel;
import dev.rill.testkit.ModelFiles;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/rerank} over real HTTP on the test kit's BERT rerankers: a head that ignores its input gives
 * every document its bias exactly, a random head's scores are the in-process reranker's, sorted, cut to
 * {@code top_n}, and every misuse is a clear error status.
 */
class RerankTest {
    private static final String QUERY = "what is a panda";
    private static final List<String> DOCUMENTS = List.of("a bear", "the panda is a bear of china", "hello",
            "pandas eat bamboo", "bamboo");

    private static Path constantFile() {
        return ModelFiles.file("bert-constant-reranker.gguf", BertModel.constantReranker(0.625f, 3)::write);
    }

    private static Path randomFile() {
        return ModelFiles.file("bert-reranker.gguf", BertModel.reranker(11)::write);
    }

    /** A server of {@code file} with its own fixture plumbing (a reranker, not the plus-one model). */
    private record Served(Model model, RillServer server) implements AutoCloseable {
        static Served of(Path file) {
            Model model = Model.load(file, ModelOptions.builder().contextSize(512).threads(1).build());
            try {
                return new Served(model, RillServer.builder(model).port(0).modelId("reranker").start());
            } catch (RuntimeException | Error e) {
                model.close();
                throw e;
            }
        }

        HttpResponse<String> post(String path, String body) throws Exception {
            return ServerFixture.send(server, path, body);
        }

        @Override
        public void close() {
            try {
                server.close();
            } finally {
                model.close();
            }
        }
    }

    private static boolean current(Model model) {
        return model.info().runtime().profile() == LlamaProfile.CURRENT;
    }

    private static String request(String extra) throws Exception {
        return "{\"model\": \"reranker\", \"query\": \"" + QUERY + "\", \"documents\": "
                + ServerFixture.JSON.writeValueAsString(DOCUMENTS) + extra + "}";
    }

    private static JsonNode ok(HttpResponse<String> response) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        return ServerFixture.json(response.body());
    }

    @Test
    void aHeadThatIgnoresItsInputScoresEveryDocumentWithItsBiasInTheDocumentsOrder() throws Exception {
        try (Served served = Served.of(constantFile())) {
            assumeTrue(current(served.model()), "b4916 cannot rerank");
            JsonNode body = ok(served.post("/v1/rerank", request(", \"return_documents\": true")));
            assertEquals("list", body.get("object").asText());
            assertEquals("reranker", body.get("model").asText());
            JsonNode results = body.get("results");
            assertEquals(DOCUMENTS.size(), results.size());
            for (int i = 0; i < results.size(); i++) {
                JsonNode result = results.get(i);
                assertEquals(i, result.get("index").asInt(), "equal scores keep the documents' order");
                assertEquals(0.625f, (float) result.get("relevance_score").asDouble());
                assertEquals(DOCUMENTS.get(i), result.get("document").get("text").asText());
            }
            int tokens = body.get("usage").get("prompt_tokens").asInt();
            assertTrue(tokens > DOCUMENTS.size(), body.toString());
            assertEquals(tokens, body.get("usage").get("total_tokens").asInt());
        }
    }

    @Test
    void aRandomHeadsScoresAreTheInProcessRerankersSortedAndCutToTopN() throws Exception {
        try (Served served = Served.of(randomFile())) {
            assumeTrue(current(served.model()), "b4916 cannot rerank");
            float[] expected;
            try (Reranker reranker = served.model().reranker()) {
                expected = reranker.score(QUERY, DOCUMENTS);
            }
            JsonNode all = ok(served.post("/v1/rerank", request("")));
            JsonNode results = all.get("results");
            assertEquals(DOCUMENTS.size(), results.size());
            List<Integer> seen = new ArrayList<>();
            double previous = Double.POSITIVE_INFINITY;
            for (JsonNode result : results) {
                int index = result.get("index").asInt();
                float score = (float) result.get("relevance_score").asDouble();
                assertEquals(expected[index], score, 1e-4f, "document " + index);
                assertTrue(score <= previous, "most relevant first: " + results);
                assertFalse(result.has("document"), "documents only when asked for");
                previous = score;
                seen.add(index);
            }
            assertEquals(List.of(0, 1, 2, 3, 4), seen.stream().sorted().toList());
            assertTrue(results.get(0).get("relevance_score").asDouble()
                    > results.get(DOCUMENTS.size() - 1).get("relevance_score").asDouble(), results.toString());

            JsonNode top = ok(served.post("/v1/rerank", request(", \"top_n\": 2"))).get("results");
            assertEquals(2, top.size());
            assertEquals(results.get(0), top.get(0));
            assertEquals(results.get(1), top.get(1));
            for (String alias : List.of("/rerank", "/reranking", "/v1/reranking")) {
                assertEquals(results, ok(served.post(alias, request(""))).get("results"), alias);
            }
        }
    }

    @Test
    void badRerankRequestsAreClearErrors() throws Exception {
        try (Served served = Served.of(constantFile())) {
            assumeTrue(current(served.model()), "b4916 cannot rerank");
            assertError(served.post("/v1/rerank", "{\"documents\": [\"a\"]}"), 400, "query");
            assertError(served.post("/v1/rerank", "{\"query\": \"q\", \"documents\": []}"), 400, "documents");
            assertError(served.post("/v1/rerank", "{\"query\": \"q\", \"documents\": [\"a\", 3]}"), 400,
                    "documents");
            assertError(served.post("/v1/rerank", request(", \"top_n\": 0")), 400, "top_n");
            assertError(served.post("/v1/rerank", request(", \"return_documents\": \"yes\"")), 400,
                    "return_documents");
            assertEquals(404, served.post("/v1/rerank", "{\"model\": \"other\", \"query\": \"q\", "
                    + "\"documents\": [\"a\"]}").statusCode());
            JsonNode tooLong = assertError(served.post("/v1/rerank", "{\"query\": \"q\", \"documents\": [\"a\", \""
                    + "b".repeat(600) + "\"]}"), 400, "documents");
            assertEquals("context_length_exceeded", tooLong.get("code").asText());
            // A refused request leaves the reranker working.
            assertEquals(2, ok(served.post("/v1/rerank", "{\"query\": \"q\", \"documents\": [\"a\", \"b\"]}"))
                    .get("results").size());
        }
    }

    @Test
    void b4916RefusesRerankingWithAClearError() throws Exception {
        try (Served served = Served.of(constantFile())) {
            assumeTrue(!current(served.model()), "the b4916 run");
            HttpResponse<String> response = served.post("/v1/rerank", request(""));
            assertEquals(501, response.statusCode(), response.body());
            JsonNode error = ServerFixture.json(response.body()).get("error");
            assertEquals("not_supported_error", error.get("type").asText());
            assertTrue(error.get("message").asText().contains("cannot rerank"), response.body());
        }
    }

    private static JsonNode assertError(HttpResponse<String> response, int status, String param) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode error = ServerFixture.json(response.body()).get("error");
        assertEquals("invalid_request_error", error.get("type").asText(), response.body());
        assertEquals(param, error.get("param").asText(), response.body());
        return error;
    }
}
