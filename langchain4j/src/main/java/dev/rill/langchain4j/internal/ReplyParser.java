package dev.rill.langchain4j.internal;

/**
 * Splits the text of a generated reply into answer, reasoning and tool calls, piece by piece. One parser per
 * reply; not thread-safe (the engine delivers tokens on one thread).
 *
 * <p>Today only {@link #plainText()} exists: everything is answer text. Parsers of models' tool-call and
 * reasoning formats (such as {@code <tool_call>...</tool_call>} or {@code <think>...</think>}) plug in here and
 * reach both the streaming handler and the complete {@code AiMessage} without other changes.
 */
public interface ReplyParser {

    /** Takes the next piece of generated text (never empty). */
    void accept(String text, ReplySink sink);

    /** The reply ended: flushes what was held back. */
    void finish(ReplySink sink);

    /** A parser that passes all text through as answer text. */
    static ReplyParser plainText() {
        return PlainText.INSTANCE;
    }
}

/** Everything is answer text; holds nothing back, so one instance serves every reply. */
enum PlainText implements ReplyParser {
    INSTANCE;

    @Override
    public void accept(String text, ReplySink sink) {
        sink.text(text);
    }

    @Override
    public void finish(ReplySink sink) {
    }
}
