package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.ModelOptions;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every error a client can meet comes as an OpenAI error body with the right status, and loses nothing. */
class ErrorStatusTest {
    private static final String KEY = "secret";
    private static final String AUTH = "Bearer " + KEY;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(ModelOptions.builder().contextSize(2048).threads(1).parallelSequences(1)
                .queueCapacity(1).build(), b -> b.apiKey(KEY).maxBodyBytes(8192).sendBufferBytes(16 * 1024));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return fixture.post(path, body, "Authorization", AUTH);
    }

    private static JsonNode error(HttpResponse<String> response, int status) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElseThrow());
        JsonNode error = ServerFixture.json(response.body()).get("error");
        assertTrue(error.get("message").asText().length() > 10, response.body());
        assertTrue(error.has("type") && error.has("param") && error.has("code"), response.body());
        return error;
    }

    @Test
    void malformedJsonIs400WithWhereItBroke() throws Exception {
        JsonNode error = error(post("/v1/chat/completions", "{\"messages\": ["), 400);
        assertEquals("invalid_request_error", error.get("type").asText());
        assertTrue(error.get("message").asText().contains("line 1"), error.toString());
    }

    @Test
    void invalidParametersAre400NamingTheParameter() throws Exception {
        JsonNode temperature = error(post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"temperature\": 5}"), 400);
        assertEquals("temperature", temperature.get("param").asText());
        JsonNode messages = error(post("/v1/chat/completions", "{\"messages\": []}"), 400);
        assertEquals("messages", messages.get("param").asText());
        JsonNode role = error(post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"robot\", \"content\": \"Hi\"}]}"), 400);
        assertTrue(role.get("message").asText().contains("robot"));
        JsonNode n = error(post("/v1/completions", "{\"prompt\": \"abc\", \"n\": 2}"), 400);
        assertEquals("n", n.get("param").asText());
        JsonNode schema = error(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": "
                + "\"Hi\"}], \"response_format\": {\"type\": \"xml\"}}"), 400);
        assertEquals("response_format", schema.get("param").asText());
    }

    @Test
    void unknownModelOrAdapterIs404() throws Exception {
        JsonNode model = error(post("/v1/completions", "{\"model\": \"gpt-4o\", \"prompt\": \"abc\"}"), 404);
        assertEquals("model_not_found", model.get("code").asText());
        JsonNode adapter = error(post("/v1/completions", "{\"model\": \"plus-one:nope\", \"prompt\": \"abc\"}"), 404);
        assertEquals("adapter_not_found", adapter.get("code").asText());
        JsonNode lora = error(post("/v1/completions", "{\"prompt\": \"abc\", \"lora\": [{\"id\": 7, \"scale\": 1}]}"),
                404);
        assertEquals("adapter_not_found", lora.get("code").asText());
        error(fixture.get("/v1/nothing", "Authorization", AUTH), 404);
    }

    @Test
    void aPromptLongerThanTheContextIs400WithTheCounts() throws Exception {
        String prompt = "a".repeat(3000);
        JsonNode error = error(post("/v1/completions", "{\"prompt\": \"" + prompt + "\", \"max_tokens\": 4}"), 400);
        assertEquals("context_length_exceeded", error.get("code").asText());
        assertTrue(error.get("message").asText().contains("prompt_tokens=3001"), error.toString());
        assertTrue(error.get("message").asText().contains("limit=2047"), error.toString());
    }

    @Test
    void aMissingOrWrongApiKeyIs401AndHealthNeedsNone() throws Exception {
        JsonNode missing = error(fixture.post("/v1/completions", "{\"prompt\": \"abc\"}"), 401);
        assertEquals("authentication_error", missing.get("type").asText());
        error(fixture.post("/v1/completions", "{\"prompt\": \"abc\"}", "Authorization", "Bearer wrong"), 401);
        error(fixture.get("/v1/models"), 401);
        assertEquals(200, fixture.get("/health").statusCode());
        assertEquals(200, fixture.get("/v1/models", "x-api-key", KEY).statusCode());
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        String prompt = "a".repeat(10_000);
        JsonNode error = error(post("/v1/completions", "{\"prompt\": \"" + prompt + "\"}"), 413);
        assertTrue(error.get("message").asText().contains("8192"), error.toString());
    }

    @Test
    void aFullQueueIs429WithRetryAfterAndTheQueuedRequestStillRuns() throws Exception {
        String stream = "{\"prompt\": \"abc\", \"max_tokens\": 2000, \"temperature\": 0, \"stream\": true}";
        try (RawSseClient holder = RawSseClient.post(fixture.server.uri(), "/v1/completions", stream, 4096,
                "Authorization: " + AUTH + "\r\n")) {
            assertEquals(200, holder.status());
            holder.nextData();
            fixture.awaitStats(s -> s.activeSequences() == 1, "the slot taken");
            CompletableFuture<HttpResponse<String>> queued = fixture.http.sendAsync(HttpRequest
                    .newBuilder(fixture.uri("/v1/completions")).header("Authorization", AUTH)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"abc\", \"max_tokens\": 3, "
                            + "\"temperature\": 0}")).build(), HttpResponse.BodyHandlers.ofString());
            fixture.awaitStats(s -> s.queuedRequests() == 1, "the second request queued");

            HttpResponse<String> rejected = post("/v1/completions", "{\"prompt\": \"abc\", \"max_tokens\": 3}");
            JsonNode error = error(rejected, 429);
            assertEquals("queue_full", error.get("code").asText());
            assertEquals("1", rejected.headers().firstValue("retry-after").orElseThrow());

            holder.close();
            HttpResponse<String> served = queued.get();
            assertEquals(200, served.statusCode(), served.body());
            assertEquals("def", ServerFixture.json(served.body()).get("choices").get(0).get("text").asText());
        }
        fixture.awaitStats(s -> s.activeSequences() == 0 && s.queuedRequests() == 0, "an idle engine");
    }

    @Test
    void rerankingAModelThatIsNotARerankerIs400AndWrongMethodsAre405() throws Exception {
        JsonNode rerank = error(post("/v1/rerank", "{\"query\": \"q\", \"documents\": [\"d\"]}"), 400);
        assertEquals("model_not_reranker", rerank.get("code").asText());
        assertTrue(rerank.get("message").asText().contains("not a reranker"), rerank.toString());
        error(fixture.get("/v1/chat/completions", "Authorization", AUTH), 405);
        error(fixture.get("/v1/rerank", "Authorization", AUTH), 405);
    }

    @Test
    void aBadRequestLeavesNoSequenceBehind() throws Exception {
        error(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": "
                + "\"image_url\"}]}]}"), 400);
        var stats = fixture.awaitStats(s -> s.activeSequences() == 0 && s.queuedRequests() == 0, "an idle engine");
        assertEquals(0, stats.activeSequences());
    }

    @Test
    void theAnthropicRouteAnswersErrorsInTheAnthropicShape() throws Exception {
        HttpResponse<String> response = post("/v1/messages", "{\"max_tokens\": 4}");
        assertEquals(400, response.statusCode(), response.body());
        JsonNode body = ServerFixture.json(response.body());
        assertEquals("error", body.get("type").asText());
        assertEquals("invalid_request_error", body.get("error").get("type").asText());
        assertTrue(body.get("error").get("message").asText().contains("messages"), response.body());
        HttpResponse<String> unauthorized = fixture.post("/v1/messages", "{}");
        assertEquals(401, unauthorized.statusCode());
        assertEquals("authentication_error", ServerFixture.json(unauthorized.body()).get("error").get("type").asText());
    }
}
