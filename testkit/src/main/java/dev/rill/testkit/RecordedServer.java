package dev.rill.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP server on 127.0.0.1 and an ephemeral port that answers each {@code POST} with the next of the
 * server-sent event streams queued on it, as an OpenAI-compatible server would have sent them (responses written
 * from a server's documented format), and keeps every request body. For clients of remote models where the
 * behaviour under test is the server's own parsing (reasoning, tool calls), which no rigged model behind
 * {@code rill serve} can show. {@code GET /v1/models} lists one model, {@code recorded}.
 */
public final class RecordedServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "recorded-server");
        t.setDaemon(true);
        return t;
    });
    private final Deque<String> streams = new ArrayDeque<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private RecordedServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a port on 127.0.0.1", e);
        }
        server.createContext("/", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    /** A started server with nothing queued. */
    public static RecordedServer start() {
        return new RecordedServer();
    }

    /** Queues {@code sse}, the body of an event stream, for the next {@code POST}. */
    public RecordedServer then(String sse) {
        Objects.requireNonNull(sse, "sse");
        synchronized (streams) {
            streams.addLast(sse);
        }
        return this;
    }

    /** The server's root, such as {@code http://127.0.0.1:40211}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The bodies of the {@code POST}s received, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            int status = 200;
            String type = "text/event-stream";
            if (exchange.getRequestMethod().equals("GET") && exchange.getRequestURI().getPath().equals("/v1/models")) {
                type = "application/json";
                body = "{\"object\":\"list\",\"data\":[{\"id\":\"recorded\",\"object\":\"model\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
            } else if (exchange.getRequestMethod().equals("POST")) {
                requests.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                String next;
                synchronized (streams) {
                    next = streams.pollFirst();
                }
                if (next == null) {
                    status = 500;
                    type = "application/json";
                    next = "{\"error\":{\"message\":\"no recorded response is queued\"}}";
                }
                body = next.getBytes(StandardCharsets.UTF_8);
            } else {
                status = 404;
                type = "application/json";
                body = "{\"error\":{\"message\":\"not found\"}}".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
