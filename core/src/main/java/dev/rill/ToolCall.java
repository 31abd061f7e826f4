package dev.rill;

import dev.rill.internal.chat.JsonValues;
import java.util.Objects;

/**
 * A call of a tool that an assistant message made, as chat templates receive it: Hugging Face's form
 * {@code {"id": ..., "type": "function", "function": {"name": ..., "arguments": {...}}}}, the arguments an object.
 *
 * @param id the call's id, which the tool's answer names ({@link ChatMessage#tool}); null for none
 * @param name the function called
 * @param arguments the arguments, a JSON object such as {@code {"city": "Paris"}}
 */
public record ToolCall(String id, String name, String arguments) {
    /** Checks the name and that the arguments are a JSON object. */
    public ToolCall {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a tool call needs a function name");
        }
        if (id != null && id.isBlank()) {
            throw new IllegalArgumentException("a tool call id must not be blank (use null for none)");
        }
        JsonValues.object(arguments, "the arguments of tool call " + name);
    }
}
