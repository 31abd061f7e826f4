package dev.rill;

import dev.rill.internal.chat.JsonValues;
import java.util.Objects;

/**
 * A function the model may call, offered to the chat template as
 * {@code {"type": "function", "function": {"name": ..., "description": ..., "parameters": {...}}}}, the form
 * Hugging Face's templates expect.
 *
 * @param name the function's name
 * @param description what it does, for the model
 * @param parameters a JSON Schema object describing its arguments, such as
 *                   {@code {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
 */
public record ToolDefinition(String name, String description, String parameters) {
    /** Checks the name and that the parameters are a JSON object. */
    public ToolDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parameters, "parameters");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a tool needs a name");
        }
        JsonValues.object(parameters, "the parameters of tool " + name);
    }
}
