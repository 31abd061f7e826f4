package dev.rill.internal.chat;

import dev.rill.ChatChannel;
import java.util.List;

/**
 * Splits {@code <think>...</think>} (or another pair of markers) off the front of an answer and hands the rest to
 * the format's parser. Thinking starts either in the prompt (the template's generation prompt opened it) or with
 * the opening marker as the first non-blank output; whitespace right after the closing marker is markup.
 */
final class ReasoningParser implements OutputParser {
    private enum State { START, THINKING, AFTER, ANSWER }

    private final String open;
    private final String close;
    private final OutputParser answer;
    private final StringBuilder held = new StringBuilder();
    private State state;

    ReasoningParser(String open, String close, boolean startsInReasoning, OutputParser answer) {
        this.open = open;
        this.close = close;
        this.answer = answer;
        this.state = startsInReasoning ? State.THINKING : State.START;
    }

    @Override
    public void feed(String text, OutputSink sink) {
        if (state == State.ANSWER) {
            answer.feed(text, sink);
            return;
        }
        held.append(text);
        while (state != State.ANSWER) {
            switch (state) {
                case START -> {
                    int ws = Markers.leadingWhitespace(held);
                    if (ws < held.length() && held.indexOf(open, ws) == ws) {
                        sink.text(ChatChannel.MARKUP, take(ws + open.length()));
                        state = State.THINKING;
                    } else if (ws == held.length() || Markers.isPrefix(held, ws, open)) {
                        return;
                    } else {
                        state = State.ANSWER;
                    }
                }
                case THINKING -> {
                    Markers.Found found = Markers.earliest(held, List.of(close));
                    if (found == null) {
                        String thought = take(Markers.safeLength(held, List.of(close)));
                        if (!thought.isEmpty()) {
                            sink.text(ChatChannel.REASONING, thought);
                        }
                        return;
                    }
                    if (found.index() > 0) {
                        sink.text(ChatChannel.REASONING, take(found.index()));
                    }
                    sink.text(ChatChannel.MARKUP, take(close.length()));
                    state = State.AFTER;
                }
                case AFTER -> {
                    int ws = Markers.leadingWhitespace(held);
                    if (ws > 0) {
                        sink.text(ChatChannel.MARKUP, take(ws));
                    }
                    if (held.isEmpty()) {
                        return;
                    }
                    state = State.ANSWER;
                }
                case ANSWER -> {
                }
            }
        }
        String rest = take(held.length());
        if (!rest.isEmpty()) {
            answer.feed(rest, sink);
        }
    }

    private String take(int n) {
        String s = held.substring(0, n);
        held.delete(0, n);
        return s;
    }

    @Override
    public void finish(OutputSink sink) {
        if (!held.isEmpty()) {
            switch (state) {
                case THINKING -> sink.text(ChatChannel.REASONING, take(held.length()));
                case START -> answer.feed(take(held.length()), sink);
                default -> sink.text(ChatChannel.MARKUP, take(held.length()));
            }
        }
        answer.finish(sink);
    }
}
