package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Closing the server refuses new requests with 503 and ends running streams with a finish reason. */
class ShutdownTest {

    @Test
    void closeRefusesNewRequestsAndEndsARunningStreamWithAbort() throws Exception {
        try (ServerFixture fixture = ServerFixture.start(2, 2048,
                b -> b.shutdownGrace(Duration.ofMillis(500)).sendBufferBytes(16 * 1024))) {
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 1900, "
                    + "\"temperature\": 0, \"stream\": true}";
            try (RawSseClient stream = RawSseClient.post(fixture.server.uri(), "/v1/chat/completions", body, 4096)) {
                assertEquals(200, stream.status());
                JsonNode role = ServerFixture.json(stream.nextData());
                assertEquals("assistant", role.get("choices").get(0).get("delta").get("role").asText());
                fixture.awaitStats(s -> s.activeSequences() == 1, "the stream running");

                Thread closer = Thread.ofPlatform().start(fixture.server::close);
                ServerFixture.await(() -> {
                    try {
                        return fixture.get("/health").statusCode();
                    } catch (Exception e) {
                        return -1;
                    }
                }, status -> status == 503, "the server draining");
                var refused = fixture.post("/v1/chat/completions", body);
                assertEquals(503, refused.statusCode());
                assertEquals("shutting_down", ServerFixture.json(refused.body()).get("error").get("code").asText());

                fixture.awaitStats(s -> s.activeSequences() == 0, "the stream ended by the shutdown");
                List<String> rest = stream.rest();
                assertEquals("[DONE]", rest.getLast());
                JsonNode last = ServerFixture.json(rest.get(rest.size() - 2));
                assertEquals("abort", last.get("choices").get(0).get("finish_reason").asText());
                StringBuilder text = new StringBuilder();
                for (String data : rest.subList(0, rest.size() - 1)) {
                    JsonNode content = ServerFixture.json(data).get("choices").get(0).get("delta").get("content");
                    if (content != null) {
                        text.append(content.asText());
                    }
                }
                assertTrue(text.length() < 1900, "ended early");
                assertEquals(ServerFixture.expected("\n", text.length()), text.toString());
                closer.join(ServerFixture.PATIENCE.toMillis());
                assertTrue(!closer.isAlive(), "close() returned");
            }
        }
    }
}
