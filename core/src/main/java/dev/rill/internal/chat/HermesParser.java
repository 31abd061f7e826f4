package dev.rill.internal.chat;

import dev.rill.ChatChannel;
import java.util.List;

/**
 * Hermes, Qwen 2.5 and Qwen3: text with calls as {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}.
 * Whitespace between and after calls is markup, not content.
 */
final class HermesParser implements OutputParser {
    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";
    private static final List<String> OPENING = List.of(OPEN);

    private enum State { TEXT, CALL, CLOSING }

    private final StringBuilder held = new StringBuilder();
    private State state = State.TEXT;
    private boolean afterCall;
    private CallJson call;

    @Override
    public void feed(String text, OutputSink sink) {
        held.append(text);
        while (!held.isEmpty()) {
            switch (state) {
                case TEXT -> {
                    if (afterCall) {
                        int ws = Markers.leadingWhitespace(held);
                        if (ws > 0) {
                            sink.text(ChatChannel.MARKUP, take(ws));
                        }
                        if (held.isEmpty()) {
                            return;
                        }
                    }
                    Markers.Found found = Markers.earliest(held, OPENING);
                    if (found != null) {
                        content(sink, take(found.index()));
                        sink.text(ChatChannel.MARKUP, take(OPEN.length()));
                        state = State.CALL;
                        call = new CallJson();
                        continue;
                    }
                    int safe = Markers.safeLength(held, OPENING);
                    content(sink, take(safe));
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
                        // Not JSON after the marker: what follows is text after all.
                        state = State.TEXT;
                        afterCall = false;
                    } else if (call.complete()) {
                        state = State.CLOSING;
                    } else {
                        return;
                    }
                }
                case CLOSING -> {
                    int ws = Markers.leadingWhitespace(held);
                    if (ws > 0) {
                        sink.text(ChatChannel.MARKUP, take(ws));
                    }
                    if (held.isEmpty()) {
                        return;
                    }
                    if (held.indexOf(CLOSE) == 0) {
                        sink.text(ChatChannel.MARKUP, take(CLOSE.length()));
                    } else if (Markers.isPrefix(held, 0, CLOSE)) {
                        return; // may still become the closing marker
                    }
                    state = State.TEXT;
                    afterCall = true;
                }
            }
        }
    }

    private void content(OutputSink sink, String text) {
        if (!text.isEmpty()) {
            afterCall = false;
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
        if (state == State.TEXT) {
            content(sink, take(held.length()));
        } else {
            sink.text(ChatChannel.MARKUP, take(held.length()));
        }
    }
}
