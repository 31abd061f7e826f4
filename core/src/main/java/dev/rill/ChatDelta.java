package dev.rill;

import java.util.List;
import java.util.Objects;

/**
 * What a step of a chat generation added to each channel. Concatenating every delta's {@code content} gives
 * {@link ChatResult#content()}, its {@code reasoning} gives {@link ChatResult#reasoning()}, and its tool-call
 * deltas, grouped by index, give {@link ChatResult#toolCalls()}.
 *
 * @param content more answer text, possibly empty
 * @param reasoning more thinking text, possibly empty
 * @param toolCalls pieces of tool calls, in order; empty when none formed at this step
 */
public record ChatDelta(String content, String reasoning, List<ToolCallDelta> toolCalls) {
    /** A delta with nothing in it. */
    public static final ChatDelta EMPTY = new ChatDelta("", "", List.of());

    /** Checks the fields and copies the list. */
    public ChatDelta {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(reasoning, "reasoning");
        toolCalls = List.copyOf(toolCalls);
    }

    /** Whether nothing was added. */
    public boolean isEmpty() {
        return content.isEmpty() && reasoning.isEmpty() && toolCalls.isEmpty();
    }
}
