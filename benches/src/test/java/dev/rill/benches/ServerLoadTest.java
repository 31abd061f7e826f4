package dev.rill.benches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load driver's reading of server-sent events and its counts, against a small scripted event stream. */
class ServerLoadTest {
    private ServerSocket server;
    private Thread acceptor;
    private String url;

    /** A scripted server: 401 without an Authorization header, else five text events, usage and [DONE]. */
    @BeforeEach
    void startServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofPlatform().daemon().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofPlatform().daemon().start(() -> answer(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        url = "http://127.0.0.1:" + server.getLocalPort();
    }

    private static void answer(Socket socket) {
        try (socket;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = socket.getOutputStream()) {
            boolean authorized = false;
            int length = 0;
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                String lower = line.toLowerCase(java.util.Locale.ROOT);
                authorized |= lower.startsWith("authorization:");
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
                }
            }
            in.skip(length);
            if (!authorized) {
                String body = "{\"error\":{\"message\":\"no key\"}}";
                out.write(("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                return;
            }
            out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 5; i++) {
                out.write(("data: {\"choices\":[{\"text\":\"t" + i + "\"}]}\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.write("data: {\"choices\":[],\"usage\":{\"completion_tokens\":5}}\n\ndata: [DONE]\n\n"
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException clientLeft) {
            // a client that disconnects on purpose
        }
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
        acceptor.join(5_000);
    }

    @Test
    void countsCompletedRequestsTheirTokensAndTimeToFirstToken() throws Exception {
        ServerLoad load = new ServerLoad(ServerLoad.Options.parse(new String[] {
                "--url", url, "--clients", "3", "--requests", "2", "--tokens", "5", "--api-key", "k"}));
        load.run();
        ServerLoad.Report report = ServerLoad.Report.of(load.options(), load.samples(), 1_000_000_000L,
                new ServerLoad.ProcessFigures(-1, -1), new ServerLoad.ProcessFigures(-1, -1));
        assertEquals(6, report.completed());
        assertEquals(0, report.failed());
        assertEquals(30, report.tokens());
        assertEquals(30.0, report.tokensPerSecond(), 1e-9);
        assertTrue(report.ttftP50Ms() >= 0 && report.ttftP99Ms() >= report.ttftP50Ms(), report.text());
    }

    @Test
    void aClientThatDisconnectsOnPurposeIsCountedApartFromFailures() throws Exception {
        ServerLoad load = new ServerLoad(ServerLoad.Options.parse(new String[] {
                "--url", url, "--clients", "2", "--requests", "3", "--tokens", "5", "--disconnect", "1",
                "--api-key", "k"}));
        load.run();
        ServerLoad.Report report = ServerLoad.Report.of(load.options(), load.samples(), 1_000_000_000L,
                new ServerLoad.ProcessFigures(-1, -1), new ServerLoad.ProcessFigures(-1, -1));
        assertEquals(6, report.disconnected());
        assertEquals(0, report.completed());
        assertEquals(0, report.failed());
    }

    @Test
    void anErrorStatusIsAFailureWithItsStatus() throws Exception {
        ServerLoad load = new ServerLoad(ServerLoad.Options.parse(new String[] {"--url", url, "--clients", "1"}));
        load.run();
        ServerLoad.Report report = ServerLoad.Report.of(load.options(), load.samples(), 1_000_000_000L,
                new ServerLoad.ProcessFigures(-1, -1), new ServerLoad.ProcessFigures(-1, -1));
        assertEquals(1, report.failed());
        assertTrue(report.failures().keySet().iterator().next().startsWith("HTTP 401"), report.failures().toString());
    }

    @Test
    void onlyLoopbackIsATarget() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> ServerLoad.Options.parse(new String[] {"--url", "http://10.1.2.3:8080"}));
        assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());
    }

    @Test
    void percentilesAreNearestRank() {
        List<Double> sorted = List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0);
        assertEquals(5.0, ServerLoad.Report.percentile(sorted, 0.5));
        assertEquals(10.0, ServerLoad.Report.percentile(sorted, 0.99));
    }
}
