package dev.rill.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void withoutAModelItServesTheRiggedModelAndItsAdapterBehindTheKey() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ServeCommand.Arguments arguments = ServeCommand.parse("--port", "0", "--parallel", "2", "--api-key", "k",
                "-t", "1");
        try (ServeCommand.Running running = ServeCommand.start(arguments,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))) {
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains(running.server().uri() + "/v1"), printed);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("rigged"));
            HttpClient http = HttpClient.newHttpClient();
            URI uri = running.server().uri().resolve("/v1/chat/completions");
            HttpResponse<String> base = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer k")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"rigged-plus-one\", \"messages\": "
                            + "[{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 4, \"temperature\": 0}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, base.statusCode(), base.body());
            assertEquals("abcd", content(base.body()));
            HttpResponse<String> adapted = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer k")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"rigged-plus-one:plus-two\", \"messages\": "
                            + "[{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 4, \"temperature\": 0}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("aceg", content(adapted.body()));
            assertEquals(401, http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static String content(String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return json.get("choices").get(0).get("message").get("content").asText();
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheFlag() {
        assertTrue(assertThrows(CliArguments.UsageException.class, () -> ServeCommand.parse("--port", "99999"))
                .getMessage().contains("--port"));
        assertThrows(CliArguments.UsageException.class, () -> ServeCommand.parse("--parallel", "0"));
        assertThrows(CliArguments.UsageException.class, () -> ServeCommand.parse("--frobnicate"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, RillCli.run(new String[] {"serve", "--port"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--port needs a value"));
    }

    @Test
    void helpPrintsTheServeUsage() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, RillCli.run(new String[] {"serve", "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream())));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--lora-manifest"));
    }
}
