package dev.rill.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server answers one request per connection and then closes it, so that a client's next request never meets
 * a connection still winding down its previous exchange: every request is answered, whatever came before it on
 * the client's side and however the parts of a request arrive.
 */
class ConnectionsTest {
    private static final String KEY = "secret";
    private static final String AUTH = "Bearer " + KEY;
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(1, 256, b -> b.apiKey(KEY));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void quickAnswersInARowFromOneClientAreAllAnswered() throws Exception {
        String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 3}";
        for (int round = 0; round < 20; round++) {
            HttpResponse<String> embedded = fixture.post("/v1/embeddings", "{\"input\": \"abc\"}",
                    "Authorization", AUTH);
            assertEquals(200, embedded.statusCode(), embedded.body());
            HttpResponse<String> models = fixture.get("/v1/models", "Authorization", AUTH);
            assertEquals(200, models.statusCode(), models.body());
            HttpResponse<String> answer = fixture.post("/v1/chat/completions", chat, "Authorization", AUTH);
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("\"finish_reason\":\"length\""), answer.body());
        }
    }

    @Test
    void aRequestWhoseLastPartArrivesLateIsAnsweredAndItsConnectionClosed() throws Exception {
        try (Socket socket = new Socket(fixture.server.uri().getHost(), fixture.server.uri().getPort())) {
            socket.setSoTimeout((int) ServerFixture.PATIENCE.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            send(out, "GET /v1/models HTTP/1.1\r\nHost: test\r\nAuthorization: " + AUTH
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n");
            Thread.sleep(200);
            send(out, "0\r\n\r\n");

            assertTrue(line(in).startsWith("HTTP/1.1 200"));
            int length = -1;
            boolean close = false;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(lower.substring("content-length:".length()).trim());
                }
                close |= lower.equals("connection: close");
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            assertTrue(body.contains("plus-one"), body);
            assertTrue(close, "the response says the connection closes");
            assertEquals(-1, in.read(), "and the server closes it");
        }
    }

    private static void send(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection closed mid-response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
