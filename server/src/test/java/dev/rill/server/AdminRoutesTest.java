package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Adapters loaded and unloaded at run time, health, metrics, and request fields beyond the SDK test's. */
class AdminRoutesTest {
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(2, 2048, b -> b.sendBufferBytes(16 * 1024));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static String completion(String model, int maxTokens) throws Exception {
        HttpResponse<String> response = fixture.post("/v1/completions", "{\"model\": \"" + model
                + "\", \"prompt\": \"abc\", \"max_tokens\": " + maxTokens + ", \"temperature\": 0}");
        assertEquals(200, response.statusCode(), response.body());
        return ServerFixture.json(response.body()).get("choices").get(0).get("text").asText();
    }

    @Test
    void anAdapterLoadedAtRunTimeServesUntilDeletedAndDeletingIsRefusedWhileInUse() throws Exception {
        String path = ServerFixture.plusTwoFile().toString().replace("\\", "\\\\");
        HttpResponse<String> created = fixture.post("/v1/adapters", "{\"name\": \"twice\", \"path\": \"" + path
                + "\", \"scale\": 1.0}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("loaded", ServerFixture.json(created.body()).get("state").asText());
        assertEquals(409, fixture.post("/v1/adapters", "{\"name\": \"twice\", \"path\": \"" + path + "\"}")
                .statusCode());
        assertTrue(fixture.get("/v1/models").body().contains("\"plus-one:twice\""));
        assertEquals("egikm", completion("plus-one:twice", 5));

        String stream = "{\"model\": \"plus-one:twice\", \"prompt\": \"abc\", \"max_tokens\": 1900, "
                + "\"temperature\": 0, \"stream\": true}";
        try (RawSseClient running = RawSseClient.post(fixture.server.uri(), "/v1/completions", stream, 4096)) {
            assertEquals(200, running.status());
            running.nextData();
            HttpResponse<String> refused = fixture.delete("/v1/adapters/twice");
            assertEquals(409, refused.statusCode(), refused.body());
            assertEquals("adapter_in_use", ServerFixture.json(refused.body()).get("error").get("code").asText());
        }
        fixture.awaitStats(s -> s.activeSequences() == 0, "the stream cancelled");
        HttpResponse<String> deleted = ServerFixture.await(() -> {
            try {
                return fixture.delete("/v1/adapters/twice");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, r -> r.statusCode() != 409, "the adapter released");
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(404, fixture.delete("/v1/adapters/twice").statusCode());
        HttpResponse<String> gone = fixture.post("/v1/completions", "{\"model\": \"plus-one:twice\", \"prompt\": "
                + "\"abc\"}");
        assertEquals(404, gone.statusCode());
    }

    @Test
    void aBrokenAdapterFileIs400AndRegistersNothing() throws Exception {
        HttpResponse<String> response = fixture.post("/v1/adapters", "{\"name\": \"broken\", \"path\": \""
                + ServerFixture.plusOneFile().toString().replace("\\", "\\\\") + "\"}");
        assertEquals(400, response.statusCode(), response.body());
        assertEquals("adapter_load_failed", ServerFixture.json(response.body()).get("error").get("code").asText());
        assertTrue(!fixture.get("/v1/adapters").body().contains("broken"));
    }

    @Test
    void healthReportsSlotsAndMetricsArePrometheusText() throws Exception {
        completion("plus-one", 4);
        JsonNode health = ServerFixture.json(fixture.get("/health").body());
        assertEquals("ok", health.get("status").asText());
        assertEquals(2, health.get("slots_idle").asInt() + health.get("slots_processing").asInt());
        HttpResponse<String> metrics = fixture.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("content-type").orElseThrow().startsWith("text/plain"));
        String text = metrics.body();
        for (String name : new String[] {"rill_requests_total{endpoint=\"/v1/completions\",status=\"200\"}",
                "rill_tokens_generated_total", "rill_tokens_prompt_total", "rill_time_to_first_token_seconds_count",
                "rill_engine_steps_total", "rill_engine_decode_time_seconds_total", "rill_queue_requests",
                "rill_sequences_active", "rill_sequences_slots", "rill_adapters_loaded"}) {
            assertTrue(text.contains(name), name + " in\n" + text);
        }
        double generated = text.lines().filter(l -> l.startsWith("rill_tokens_generated_total "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
        assertTrue(generated >= 4, text);
    }

    @Test
    void jsonResponseFormatConstrainsTheReplyToJson() throws Exception {
        HttpResponse<String> response = fixture.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", "
                + "\"content\": \"Hi\"}], \"max_tokens\": 40, \"temperature\": 0, \"response_format\": {\"type\": "
                + "\"json_schema\", \"json_schema\": {\"name\": \"n\", \"schema\": {\"type\": \"object\", "
                + "\"properties\": {\"a\": {\"type\": \"boolean\"}}, \"required\": [\"a\"]}}}}");
        assertEquals(200, response.statusCode(), response.body());
        String content = ServerFixture.json(response.body()).get("choices").get(0).get("message").get("content")
                .asText();
        assertTrue(content.startsWith("{"), content);
        assertTrue(content.replace(" ", "").startsWith("{\"a\":"), content);
    }

    @Test
    void toolsAndToolMessagesReachTheChatTemplate() throws Exception {
        String messages = "\"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}, {\"role\": \"assistant\", "
                + "\"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": "
                + "\"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]}, {\"role\": \"tool\", "
                + "\"tool_call_id\": \"c1\", \"content\": \"sunny\"}]";
        String tools = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}]";
        // The rigged model has no template, and llama.cpp's built-in one takes no tools: a clear 400.
        HttpResponse<String> refused = fixture.post("/v1/chat/completions", "{" + messages + ", " + tools + "}");
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("tool"), refused.body());
        HttpResponse<String> none = fixture.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", "
                + "\"content\": \"Weather?\"}], " + tools + ", \"tool_choice\": \"none\", \"max_tokens\": 3, "
                + "\"temperature\": 0}");
        assertEquals(200, none.statusCode(), none.body());
        assertEquals("abc", ServerFixture.json(none.body()).get("choices").get(0).get("message").get("content")
                .asText());
    }
}
