package dev.rill.internal.chat;

import dev.rill.ChatChannel;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gpt-oss (harmony): messages of {@code <|channel|>NAME[ to=RECIPIENT][ <|constrain|>TYPE]<|message|>BODY}
 * ended by {@code <|end|>}, {@code <|call|>} or {@code <|return|>}, the next one opened by
 * {@code <|start|>assistant}. The {@code analysis} channel is reasoning, {@code final} the answer, and a message
 * to {@code functions.NAME} a call whose body is the argument JSON; {@code commentary} without a recipient is
 * content. The prompt ends with {@code <|start|>assistant}, so the output begins with a header. Text before any
 * header is content.
 */
final class HarmonyParser implements OutputParser {
    static final String START = "<|start|>";
    static final String CHANNEL = "<|channel|>";
    static final String MESSAGE = "<|message|>";
    static final String END = "<|end|>";
    static final String CALL = "<|call|>";
    static final String RETURN = "<|return|>";
    private static final List<String> BODY_ENDS = List.of(END, CALL, RETURN, START, CHANNEL);
    private static final Pattern CHANNEL_NAME = Pattern.compile("<\\|channel\\|>\\s*([A-Za-z_]+)");
    private static final Pattern RECIPIENT = Pattern.compile("to=functions\\.([^\\s<]+)");
    private static final int LONGEST_HEADER = 512;

    private enum State { BEGIN, HEADER, BODY }

    private enum Kind { REASONING, CONTENT, CALL }

    private final StringBuilder held = new StringBuilder();
    private State state = State.BEGIN;
    private Kind kind;
    private JsonScanner arguments;

    @Override
    public void feed(String text, OutputSink sink) {
        held.append(text);
        while (!held.isEmpty()) {
            switch (state) {
                case BEGIN -> {
                    if (held.charAt(0) == '<' && (Markers.isPrefix(held, 0, CHANNEL) || Markers.isPrefix(held, 0, START))) {
                        return;
                    }
                    if (held.indexOf(CHANNEL) == 0 || held.indexOf(START) == 0) {
                        state = State.HEADER;
                    } else {
                        state = State.BODY;
                        kind = Kind.CONTENT;
                    }
                }
                case HEADER -> {
                    int message = held.indexOf(MESSAGE);
                    if (message < 0) {
                        if (held.length() > LONGEST_HEADER) {
                            sink.text(ChatChannel.CONTENT, take(held.length()));
                            state = State.BODY;
                            kind = Kind.CONTENT;
                        }
                        return;
                    }
                    String header = held.substring(0, message);
                    sink.text(ChatChannel.MARKUP, take(message + MESSAGE.length()));
                    Matcher channel = CHANNEL_NAME.matcher(header);
                    Matcher recipient = RECIPIENT.matcher(header);
                    String name = channel.find() ? channel.group(1) : "";
                    if (recipient.find()) {
                        kind = Kind.CALL;
                        arguments = new JsonScanner();
                        sink.callStart(recipient.group(1), null);
                    } else {
                        kind = name.equals("analysis") ? Kind.REASONING : Kind.CONTENT;
                    }
                    state = State.BODY;
                }
                case BODY -> {
                    Markers.Found found = Markers.earliest(held, BODY_ENDS);
                    int upTo = found != null ? found.index() : Markers.safeLength(held, BODY_ENDS);
                    body(sink, take(upTo));
                    if (found == null) {
                        return;
                    }
                    endMessage(sink);
                    if (found.marker().equals(START) || found.marker().equals(CHANNEL)) {
                        state = State.HEADER;
                    } else {
                        sink.text(ChatChannel.MARKUP, take(found.marker().length()));
                        state = State.BEGIN;
                    }
                }
            }
        }
    }

    private void body(OutputSink sink, String text) {
        if (text.isEmpty()) {
            return;
        }
        switch (kind) {
            case REASONING -> sink.text(ChatChannel.REASONING, text);
            case CONTENT -> sink.text(ChatChannel.CONTENT, text);
            case CALL -> {
                sink.text(ChatChannel.TOOL_CALL, text);
                for (int i = 0; i < text.length(); i++) {
                    arguments.accept(text.charAt(i));
                }
                sink.callArguments(text);
            }
        }
    }

    private void endMessage(OutputSink sink) {
        if (kind == Kind.CALL) {
            if (arguments.complete() || arguments.endsAtEndOfInput()) {
                sink.callEnd();
            }
            kind = Kind.CONTENT;
        }
    }

    private String take(int n) {
        String s = held.substring(0, n);
        held.delete(0, n);
        return s;
    }

    @Override
    public void finish(OutputSink sink) {
        if (state == State.BODY) {
            body(sink, take(held.length()));
            endMessage(sink); // <|call|> ends generation, so a call's message ends with the output
        } else if (!held.isEmpty()) {
            sink.text(state == State.BEGIN ? ChatChannel.CONTENT : ChatChannel.MARKUP, take(held.length()));
        }
    }
}
