package dev.rill.remote.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a server-sent event stream into the {@code data} of each event, whatever the buffer boundaries: a line
 * (and a UTF-8 character) may be cut across buffers. Comments, {@code event:}, {@code id:} and {@code retry:}
 * lines are skipped; several {@code data:} lines of one event are joined with a newline. Not thread-safe.
 */
public final class SseLines {
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private boolean lastWasCr;

    /** The data of every event that ended in {@code buffer}, in order. */
    public List<String> feed(ByteBuffer buffer) {
        List<String> events = new ArrayList<>();
        while (buffer.hasRemaining()) {
            byte b = buffer.get();
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\n' || b == '\r') {
                endLine(events);
            } else {
                line.write(b);
            }
        }
        return events;
    }

    /** The data of an event left open when the stream ended without a blank line, if any. */
    public List<String> finish() {
        List<String> events = new ArrayList<>();
        if (line.size() > 0) {
            endLine(events);
        }
        if (hasData) {
            events.add(data.toString());
            data.setLength(0);
            hasData = false;
        }
        return events;
    }

    private void endLine(List<String> events) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.isEmpty()) {
            if (hasData) {
                events.add(data.toString());
                data.setLength(0);
                hasData = false;
            }
            return;
        }
        if (text.startsWith("data:")) {
            String value = text.substring(5);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (hasData) {
                data.append('\n');
            }
            data.append(value);
            hasData = true;
        }
    }
}
