package dev.rill;

/** Where a piece of a chat model's output belongs. */
public enum ChatChannel {
    /** The answer. */
    CONTENT,
    /** The model's thinking ({@code <think>...</think>}, harmony's {@code analysis} channel). */
    REASONING,
    /** The text of a tool call (its name and argument JSON). */
    TOOL_CALL,
    /** The format's own markers ({@code <think>}, {@code <tool_call>}, {@code [TOOL_CALLS]}, channel headers). */
    MARKUP
}
