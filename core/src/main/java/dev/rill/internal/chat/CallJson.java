package dev.rill.internal.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One tool call written as a JSON object, {@code {"name": "f", "arguments": {...}}} (also {@code "parameters"}
 * for the arguments; other keys such as {@code "id"} or {@code "type"} are ignored), followed as it streams: the name as soon as its string is
 * complete, the arguments' raw text as it grows. {@link #emit} tells a sink what is new since its last call; the
 * arguments a sink receives are the exact text of the value in the output.
 */
final class CallJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum State { KEY_WAIT, IN_KEY, COLON_WAIT, VALUE_WAIT, IN_STRING, IN_NESTED, IN_SCALAR, AFTER_VALUE, DONE }

    private final StringBuilder text = new StringBuilder();
    private final JsonScanner scanner = new JsonScanner();
    private State state = State.KEY_WAIT;
    private boolean opened;
    private boolean invalid;
    private int keyStart;
    private String key;
    private int valueStart;
    private String name;
    private int argumentsStart = -1;
    private int argumentsEnd = -1;
    // what emit() has told the sink
    private boolean announced;
    private int argumentsEmitted;
    private boolean ended;

    /**
     * Takes the next character; false when it does not belong to the object (it ended before, or the text is not
     * an object): the caller handles that character itself.
     */
    boolean accept(char c) {
        if (state == State.DONE || invalid) {
            return false;
        }
        if (!opened) {
            if (Character.isWhitespace(c)) {
                text.append(c);
                scanner.accept(c);
                return true;
            }
            if (c != '{') {
                invalid = true;
                return false;
            }
            opened = true;
        }
        int i = text.length();
        text.append(c);
        scanner.accept(c);
        step(c, i);
        return true;
    }

    private void step(char c, int i) {
        switch (state) {
            case KEY_WAIT -> {
                if (c == '"') {
                    state = State.IN_KEY;
                    keyStart = i;
                } else if (c == '}' && scanner.depth() == 0) {
                    state = State.DONE;
                }
            }
            case IN_KEY -> {
                if (!scanner.inString()) {
                    key = decode(text.substring(keyStart, i + 1));
                    state = State.COLON_WAIT;
                }
            }
            case COLON_WAIT -> {
                if (c == ':') {
                    state = State.VALUE_WAIT;
                }
            }
            case VALUE_WAIT -> {
                if (Character.isWhitespace(c)) {
                    return;
                }
                valueStart = i;
                if (isArguments()) {
                    argumentsStart = i;
                }
                state = switch (c) {
                    case '"' -> State.IN_STRING;
                    case '{', '[' -> State.IN_NESTED;
                    default -> State.IN_SCALAR;
                };
            }
            case IN_STRING -> {
                if (!scanner.inString()) {
                    valueEnded(i + 1);
                }
            }
            case IN_NESTED -> {
                if (scanner.depth() == 1) {
                    valueEnded(i + 1);
                }
            }
            case IN_SCALAR -> {
                if (c == ',' || c == '}' || Character.isWhitespace(c)) {
                    valueEnded(i);
                    step(c, i);
                }
            }
            case AFTER_VALUE -> {
                if (c == ',') {
                    state = State.KEY_WAIT;
                } else if (c == '}' && scanner.depth() == 0) {
                    state = State.DONE;
                }
            }
            case DONE -> {
            }
        }
    }

    private boolean isArguments() {
        return "arguments".equals(key) || "parameters".equals(key);
    }

    private void valueEnded(int end) {
        state = State.AFTER_VALUE;
        String raw = text.substring(valueStart, end);
        if ("name".equals(key) && raw.startsWith("\"")) {
            name = decode(raw);
        } else if (isArguments()) {
            argumentsEnd = end;
        }
    }

    private static String decode(String jsonString) {
        try {
            return JSON.readValue(jsonString, String.class);
        } catch (JsonProcessingException e) {
            return jsonString.substring(1, jsonString.length() - 1);
        }
    }

    /** Whether the object is closed. */
    boolean complete() {
        return state == State.DONE;
    }

    /** Whether the text turned out not to be an object. */
    boolean invalid() {
        return invalid;
    }

    /** Whether any non-whitespace character was taken. */
    boolean opened() {
        return opened;
    }

    /**
     * Tells {@code sink} what is new: the call's start once its name is known, argument text as it grows, and
     * its end once the object is closed (a call without a name is never announced).
     */
    void emit(OutputSink sink) {
        if (!announced && name != null) {
            announced = true;
            // An "id" the model wrote may come after the name, too late for the first delta: Rill's own id is used.
            sink.callStart(name, null);
        }
        if (!announced) {
            return;
        }
        if (argumentsStart >= 0) {
            int upTo = argumentsEnd >= 0 ? argumentsEnd : state == State.IN_NESTED ? text.length() : argumentsStart;
            if (upTo > argumentsStart + argumentsEmitted) {
                sink.callArguments(text.substring(argumentsStart + argumentsEmitted, upTo));
                argumentsEmitted = upTo - argumentsStart;
            }
        }
        if (complete() && !ended) {
            ended = true;
            if (argumentsStart < 0) {
                sink.callArguments("{}");
            }
            sink.callEnd();
        }
    }
}
