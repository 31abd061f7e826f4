package dev.rill.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A plain socket that posts one request and reads the response's server-sent events only when asked, so a test
 * can stop reading (the socket's small receive buffer then fills and the server's writes stall) and resume, or
 * disconnect mid-stream. Decodes chunked transfer encoding.
 */
final class RawSseClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final int status;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final boolean chunked;
    private boolean ended;

    private RawSseClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        String statusLine = line();
        status = Integer.parseInt(statusLine.split(" ")[1]);
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
    }

    /** Posts {@code body} to {@code path} from a socket whose receive buffer is {@code receiveBuffer} bytes. */
    static RawSseClient post(URI base, String path, String body, int receiveBuffer) throws IOException {
        return post(base, path, body, receiveBuffer, "");
    }

    /** As {@link #post(URI, String, String, int)}, with more header lines ({@code "Name: value\r\n"} each). */
    static RawSseClient post(URI base, String path, String body, int receiveBuffer, String headers)
            throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.setSoTimeout((int) ServerFixture.PATIENCE.toMillis());
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n" + headers + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return new RawSseClient(socket);
    }

    int status() {
        return status;
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The next event's data, or null at the end of the response. */
    String nextData() throws IOException {
        while (true) {
            byte[] buffered = pending.toByteArray();
            String text = new String(buffered, StandardCharsets.UTF_8);
            int end = text.indexOf("\n\n");
            if (end >= 0) {
                String event = text.substring(0, end);
                byte[] rest = text.substring(end + 2).getBytes(StandardCharsets.UTF_8);
                pending.reset();
                pending.writeBytes(rest);
                if (!event.startsWith("data: ")) {
                    throw new AssertionError("not a data event: " + event);
                }
                return event.substring(6);
            }
            if (!readMore()) {
                return null;
            }
        }
    }

    /** Every remaining event's data, up to the end of the response. */
    List<String> rest() throws IOException {
        List<String> events = new ArrayList<>();
        for (String data = nextData(); data != null; data = nextData()) {
            events.add(data);
        }
        return events;
    }

    private boolean readMore() throws IOException {
        if (ended) {
            return false;
        }
        if (!chunked) {
            byte[] buffer = new byte[4096];
            int n = in.read(buffer);
            if (n < 0) {
                ended = true;
                return false;
            }
            pending.write(buffer, 0, n);
            return true;
        }
        String sizeLine = line();
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
            line();
            ended = true;
            return false;
        }
        pending.write(in.readNBytes(size));
        line();
        return true;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b == -1 && line.size() == 0) {
            throw new IOException("the connection closed");
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
