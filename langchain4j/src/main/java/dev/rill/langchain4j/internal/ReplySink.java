package dev.rill.langchain4j.internal;

/**
 * Where a {@link ReplyParser} sends the parts of an assistant's reply as they become known. Called on the thread
 * that delivers tokens, in order.
 */
public interface ReplySink {

    /** Text of the answer itself. */
    void text(String text);

    /** Text of the model's reasoning, kept apart from the answer. */
    void thinking(String text);

    /** A piece of the arguments of tool call {@code index}, as soon as it is generated. */
    void partialToolCall(int index, String id, String name, String partialArguments);

    /** Tool call {@code index}, whole: its arguments are a complete JSON object. */
    void completeToolCall(int index, String id, String name, String arguments);
}
