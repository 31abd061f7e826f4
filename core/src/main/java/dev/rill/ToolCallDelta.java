package dev.rill;

import java.util.Objects;

/**
 * A piece of a tool call as it forms, in the shape of OpenAI's streamed {@code delta.tool_calls[]}: the first
 * delta of a call carries its id and name, later ones only further argument text. Concatenating the
 * {@code arguments} of every delta with one {@code index} gives that call's {@link ToolCall#arguments()}.
 *
 * @param index the call's position among this generation's calls, from 0
 * @param id the call's id on its first delta, null after
 * @param name the function's name on its first delta, null after
 * @param arguments more of the argument JSON, possibly empty
 */
public record ToolCallDelta(int index, String id, String name, String arguments) {
    /** Checks the index and the arguments. */
    public ToolCallDelta {
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative, was " + index);
        }
        Objects.requireNonNull(arguments, "arguments");
    }

    /** Whether this is the call's first delta (it names the function). */
    public boolean first() {
        return name != null;
    }
}
