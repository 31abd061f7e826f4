package dev.rill.internal.chat;

import dev.rill.ChatChannel;
import java.util.List;

/**
 * Answers that are JSON calls: Llama 3.x ({@code {"name": ..., "parameters": {...}}}, optionally after
 * {@code <|python_tag|>}) and the generic format ({@code {"name": ..., "arguments": {...}}}). An answer whose
 * first non-blank character opens an object is a call; several may follow, separated by whitespace or
 * {@code ;}. Any other answer is content, in which {@code <|python_tag|>} (when the format has it) still starts
 * a call.
 */
final class JsonCallsParser implements OutputParser {
    static final String PYTHON_TAG = "<|python_tag|>";

    private enum State { START, TEXT, CALL, BETWEEN }

    private final List<String> tags;
    private final StringBuilder held = new StringBuilder();
    private State state = State.START;
    private CallJson call;

    /** @param pythonTag whether {@code <|python_tag|>} opens a call (Llama 3.x) */
    JsonCallsParser(boolean pythonTag) {
        this.tags = pythonTag ? List.of(PYTHON_TAG) : List.of();
    }

    @Override
    public void feed(String text, OutputSink sink) {
        held.append(text);
        while (!held.isEmpty()) {
            switch (state) {
                case START, BETWEEN -> {
                    int ws = Markers.leadingWhitespace(held);
                    if (ws == held.length()) {
                        return; // blanks decide nothing yet
                    }
                    char c = held.charAt(ws);
                    if (state == State.BETWEEN && c == ';') {
                        sink.text(ChatChannel.MARKUP, take(ws + 1));
                        continue;
                    }
                    if (c == '{') {
                        if (ws > 0) {
                            sink.text(ChatChannel.MARKUP, take(ws));
                        }
                        startCall();
                        continue;
                    }
                    if (!tags.isEmpty() && held.indexOf(PYTHON_TAG, ws) == ws) {
                        sink.text(ChatChannel.MARKUP, take(ws + PYTHON_TAG.length()));
                        startCall();
                        continue;
                    }
                    if (!tags.isEmpty() && Markers.isPrefix(held, ws, PYTHON_TAG)) {
                        return;
                    }
                    if (state == State.BETWEEN && ws > 0) {
                        sink.text(ChatChannel.MARKUP, take(ws));
                    }
                    state = State.TEXT;
                }
                case TEXT -> {
                    Markers.Found found = Markers.earliest(held, tags);
                    if (found != null) {
                        content(sink, take(found.index()));
                        sink.text(ChatChannel.MARKUP, take(PYTHON_TAG.length()));
                        startCall();
                        continue;
                    }
                    content(sink, take(Markers.safeLength(held, tags)));
                    return;
                }
                case CALL -> {
                    int used = 0;
                    while (used < held.length() && call.accept(held.charAt(used))) {
                        used++;
                    }
                    if (used > 0) {
                        sink.text(ChatChannel.TOOL_CALL, take(used));
                    }
                    call.emit(sink);
                    if (call.invalid()) {
                        state = State.TEXT; // <|python_tag|> followed by code, not JSON: content
                    } else if (call.complete()) {
                        state = State.BETWEEN;
                    } else {
                        return;
                    }
                }
            }
        }
    }

    private void startCall() {
        state = State.CALL;
        call = new CallJson();
    }

    private void content(OutputSink sink, String text) {
        if (!text.isEmpty()) {
            sink.text(ChatChannel.CONTENT, text);
        }
    }

    private String take(int n) {
        String s = held.substring(0, n);
        held.delete(0, n);
        return s;
    }

    @Override
    public void finish(OutputSink sink) {
        if (held.isEmpty()) {
            return;
        }
        if (state == State.BETWEEN) {
            sink.text(ChatChannel.MARKUP, take(held.length()));
        } else if (state == State.START && Markers.leadingWhitespace(held) == held.length()) {
            sink.text(ChatChannel.MARKUP, take(held.length()));
        } else {
            content(sink, take(held.length()));
        }
    }
}
