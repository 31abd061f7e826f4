package dev.rill.internal.chat;

import dev.rill.ChatChannel;
import java.util.List;

/**
 * Mistral: {@code [TOOL_CALLS]} then either a JSON array of {@code {"name", "arguments"[, "id"]}} objects (older
 * templates) or {@code name[ARGS]{...}} (newer ones, optionally {@code name[CALL_ID]id[ARGS]{...}}), which may
 * repeat with another {@code [TOOL_CALLS]}. Both forms are recognised whatever the template.
 */
final class MistralParser implements OutputParser {
    static final String TOOL_CALLS = "[TOOL_CALLS]";
    static final String ARGS = "[ARGS]";
    static final String CALL_ID = "[CALL_ID]";
    private static final List<String> OPENING = List.of(TOOL_CALLS);
    private static final int LONGEST_NAME = 256;

    private enum State { TEXT, DECIDE, ARRAY, ARRAY_CALL, NAME, ARGUMENTS }

    private final StringBuilder held = new StringBuilder();
    private State state = State.TEXT;
    private boolean afterCall;
    private CallJson call;
    private JsonScanner arguments;
    private String name;
    private String id;

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
                        sink.text(ChatChannel.MARKUP, take(TOOL_CALLS.length()));
                        state = State.DECIDE;
                        continue;
                    }
                    content(sink, take(Markers.safeLength(held, OPENING)));
                    return;
                }
                case DECIDE -> {
                    int ws = Markers.leadingWhitespace(held);
                    if (ws == held.length()) {
                        sink.text(ChatChannel.MARKUP, take(ws));
                        return;
                    }
                    if (held.charAt(ws) == '[' && !Markers.isPrefix(held, ws, ARGS) && held.indexOf(ARGS, ws) != ws
                            && !Markers.isPrefix(held, ws, CALL_ID) && held.indexOf(CALL_ID, ws) != ws) {
                        sink.text(ChatChannel.MARKUP, take(ws + 1));
                        state = State.ARRAY;
                    } else if (held.charAt(ws) == '[' && held.length() - ws < ARGS.length()) {
                        return; // "[" or "[AR...": not yet known
                    } else {
                        if (ws > 0) {
                            sink.text(ChatChannel.MARKUP, take(ws));
                        }
                        state = State.NAME;
                        name = null;
                        id = null;
                    }
                }
                case ARRAY -> {
                    int ws = Markers.leadingWhitespace(held);
                    if (ws == held.length()) {
                        sink.text(ChatChannel.MARKUP, take(ws));
                        return;
                    }
                    char c = held.charAt(ws);
                    if (c == ',') {
                        sink.text(ChatChannel.MARKUP, take(ws + 1));
                    } else if (c == ']') {
                        sink.text(ChatChannel.MARKUP, take(ws + 1));
                        state = State.TEXT;
                        afterCall = true;
                    } else if (c == '{') {
                        if (ws > 0) {
                            sink.text(ChatChannel.MARKUP, take(ws));
                        }
                        call = new CallJson();
                        state = State.ARRAY_CALL;
                    } else {
                        state = State.TEXT; // not the array form after all
                        afterCall = false;
                    }
                }
                case ARRAY_CALL -> {
                    int used = 0;
                    while (used < held.length() && call.accept(held.charAt(used))) {
                        used++;
                    }
                    if (used > 0) {
                        sink.text(ChatChannel.TOOL_CALL, take(used));
                    }
                    call.emit(sink);
                    if (call.complete()) {
                        state = State.ARRAY;
                    } else if (call.invalid()) {
                        state = State.TEXT;
                    } else {
                        return;
                    }
                }
                case NAME -> {
                    int args = held.indexOf(ARGS);
                    int callId = held.indexOf(CALL_ID);
                    if (callId >= 0 && (args < 0 || callId < args)) {
                        int idEnd = args < 0 ? -1 : args;
                        if (idEnd < 0) {
                            if (callId > LONGEST_NAME) {
                                giveUp();
                            }
                            return;
                        }
                        name = held.substring(0, callId).strip();
                        id = held.substring(callId + CALL_ID.length(), idEnd).strip();
                        sink.text(ChatChannel.TOOL_CALL, take(callId));
                        sink.text(ChatChannel.MARKUP, take(CALL_ID.length()));
                        sink.text(ChatChannel.TOOL_CALL, take(idEnd - callId - CALL_ID.length()));
                        sink.text(ChatChannel.MARKUP, take(ARGS.length()));
                    } else if (args >= 0) {
                        name = held.substring(0, args).strip();
                        sink.text(ChatChannel.TOOL_CALL, take(args));
                        sink.text(ChatChannel.MARKUP, take(ARGS.length()));
                    } else {
                        if (held.length() > LONGEST_NAME) {
                            giveUp();
                        }
                        return;
                    }
                    if (name.isEmpty()) {
                        name = "unnamed";
                    }
                    sink.callStart(name, id == null || id.isEmpty() ? null : id);
                    arguments = new JsonScanner();
                    state = State.ARGUMENTS;
                }
                case ARGUMENTS -> {
                    int used = 0;
                    while (used < held.length() && arguments.accept(held.charAt(used))) {
                        used++;
                    }
                    if (used > 0) {
                        String fragment = take(used);
                        sink.text(ChatChannel.TOOL_CALL, fragment);
                        sink.callArguments(arguments.started() ? fragment : "");
                    }
                    if (!arguments.complete()) {
                        return;
                    }
                    sink.callEnd();
                    state = State.TEXT;
                    afterCall = true;
                }
            }
        }
    }

    private void giveUp() {
        state = State.TEXT; // no [ARGS] within a name's length: text after all
        afterCall = false;
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
        if (state == State.ARGUMENTS && arguments.endsAtEndOfInput()) {
            sink.callEnd();
        }
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
