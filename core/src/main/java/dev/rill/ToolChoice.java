package dev.rill;

import java.util.Objects;

/**
 * Whether and which tools the model may call, for a chat prompt with tools ({@link Prompt.ChatBuilder#tools}).
 * Set it with {@link GenerationRequest.Builder#toolChoice}; the default is {@link #auto()}.
 *
 * <ul>
 *   <li>{@link #auto()}: the model writes text or calls tools, as it likes. Free text stays free; once the model
 *       writes the opening of a call (its format's marker, such as {@code <tool_call>}) a grammar holds the call
 *       to the tools' names and argument schemas until the call is closed.</li>
 *   <li>{@link #none()}: the tools stay in the prompt (the conversation's earlier calls still render), but the
 *       output is not parsed for calls and nothing is constrained: all of it is content.</li>
 *   <li>{@link #required()}: the answer starts with a call (after the reasoning, when the model reasons).</li>
 *   <li>{@link #named(String)}: as {@code required}, to that one tool.</li>
 * </ul>
 */
public sealed interface ToolChoice {

    /** The model decides. */
    static ToolChoice auto() {
        return Auto.INSTANCE;
    }

    /** No tool calls: everything the model writes is content. */
    static ToolChoice none() {
        return None.INSTANCE;
    }

    /** The answer must call a tool. */
    static ToolChoice required() {
        return Required.INSTANCE;
    }

    /** The answer must call the tool {@code name}, which the prompt must offer. */
    static ToolChoice named(String name) {
        return new Named(name);
    }

    /** See {@link ToolChoice#auto()}. */
    enum Auto implements ToolChoice { INSTANCE }

    /** See {@link ToolChoice#none()}. */
    enum None implements ToolChoice { INSTANCE }

    /** See {@link ToolChoice#required()}. */
    enum Required implements ToolChoice { INSTANCE }

    /**
     * See {@link ToolChoice#named(String)}.
     *
     * @param name the tool the answer must call
     */
    record Named(String name) implements ToolChoice {
        /** Checks the name. */
        public Named {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a named tool choice needs a tool name");
            }
        }
    }
}
