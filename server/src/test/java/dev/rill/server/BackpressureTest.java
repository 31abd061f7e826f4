package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rill.EngineStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Demand flows from the socket to the engine: a client that stops reading leaves its sequence out of the decode
 * steps while another keeps its pace, and resumes where it stopped; a client that disconnects frees its slot.
 */
class BackpressureTest {
    private static final int LONG = 1900;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(2, 2048, b -> b.sendBufferBytes(16 * 1024));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    private static String streamBody(String prompt, int maxTokens) {
        return "{\"model\": \"plus-one\", \"prompt\": \"" + prompt + "\", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0, \"stream\": true}";
    }

    /** Waits until the engine generates nothing for a whole second, and returns the stats then. */
    private static EngineStats awaitStall() throws InterruptedException {
        long deadline = System.nanoTime() + ServerFixture.PATIENCE.toNanos();
        EngineStats before = fixture.model.stats();
        while (System.nanoTime() < deadline) {
            Thread.sleep(1000);
            EngineStats now = fixture.model.stats();
            if (now.generatedTokens() == before.generatedTokens()) {
                return now;
            }
            before = now;
        }
        throw new AssertionError("the engine never paused: " + before);
    }

    private static String text(List<String> events) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String data : events) {
            if (!data.equals("[DONE]")) {
                text.append(ServerFixture.json(data).get("choices").get(0).get("text").asText());
            }
        }
        return text.toString();
    }

    private static String finishReason(List<String> events) throws IOException {
        JsonNode last = ServerFixture.json(events.get(events.size() - 2));
        return last.get("choices").get(0).get("finish_reason").asText();
    }

    @Test
    void aReaderThatStopsSitsOutWhileAnotherKeepsItsPaceAndThenResumesWhereItStopped() throws Exception {
        try (RawSseClient slow = RawSseClient.post(fixture.server.uri(), "/v1/completions", streamBody("abc", LONG),
                4096)) {
            assertEquals(200, slow.status());
            assertEquals("text/event-stream", slow.header("content-type"));
            StringBuilder slowText = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                slowText.append(ServerFixture.json(slow.nextData()).get("choices").get(0).get("text").asText());
            }
            EngineStats stalled = awaitStall();
            assertEquals(1, stalled.activeSequences(), "the slow stream keeps its slot");
            long slowTokens = stalled.generatedTokens();
            assertTrue(slowTokens < LONG, "the slow stream paused before its end: " + stalled);

            HttpResponse<String> fast = fixture.post("/v1/completions", streamBody("abc", 100));
            assertEquals(200, fast.statusCode());
            List<String> fastEvents = fast.body().lines().filter(l -> l.startsWith("data: "))
                    .map(l -> l.substring(6)).toList();
            assertEquals("[DONE]", fastEvents.getLast());
            assertEquals(ServerFixture.expected("abc", 100), text(fastEvents));
            EngineStats after = fixture.awaitStats(s -> s.activeSequences() == 1, "the fast stream's end");
            assertEquals(slowTokens + 100, after.generatedTokens(),
                    "only the fast stream's tokens were generated while the slow one did not read");

            List<String> rest = slow.rest();
            assertEquals("[DONE]", rest.getLast());
            slowText.append(text(rest));
            assertEquals(ServerFixture.expected("abc", LONG), slowText.toString());
            assertEquals("length", finishReason(rest));
        }
        fixture.awaitStats(s -> s.activeSequences() == 0, "the slow stream's end");
    }

    @Test
    void aDisconnectMidStreamCancelsTheGenerationAndFreesTheSlot() throws Exception {
        EngineStats start = fixture.awaitStats(s -> s.activeSequences() == 0, "an idle engine");
        RawSseClient client = RawSseClient.post(fixture.server.uri(), "/v1/completions", streamBody("abc", LONG), 4096);
        assertEquals(200, client.status());
        client.nextData();
        client.nextData();
        EngineStats stalled = awaitStall();
        assertEquals(1, stalled.activeSequences());
        client.close();
        EngineStats freed = fixture.awaitStats(s -> s.activeSequences() == 0
                && s.completedGenerations() == start.completedGenerations() + 1, "the cancelled stream's end");
        assertTrue(freed.generatedTokens() - start.generatedTokens() < LONG, "cancelled before its end: " + freed);
        assertEquals(0, freed.queuedRequests());

        HttpResponse<String> next = fixture.post("/v1/completions",
                "{\"prompt\": \"abc\", \"max_tokens\": 3, \"temperature\": 0}");
        assertEquals(200, next.statusCode());
        assertEquals("def", ServerFixture.json(next.body()).get("choices").get(0).get("text").asText());
    }

    @Test
    void aDisconnectBeforeANonStreamedReplyCancelsTheGeneration() throws Exception {
        EngineStats start = fixture.awaitStats(s -> s.activeSequences() == 0, "an idle engine");
        String body = "{\"prompt\": \"abc\", \"max_tokens\": 1900, \"temperature\": 0}";
        java.net.Socket socket = new java.net.Socket(fixture.server.uri().getHost(), fixture.server.uri().getPort());
        socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        fixture.awaitStats(s -> s.generatedTokens() > start.generatedTokens(), "the generation started");
        socket.close();
        EngineStats end = fixture.awaitStats(s -> s.activeSequences() == 0
                && s.completedGenerations() == start.completedGenerations() + 1, "the generation's end");
        assertTrue(end.generatedTokens() - start.generatedTokens() < 1900, "cancelled before its end: " + end);
    }
}
