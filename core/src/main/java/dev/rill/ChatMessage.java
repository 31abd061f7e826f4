package dev.rill;

import java.util.List;
import java.util.Objects;

/**
 * One message of a conversation, for a chat template. The template receives it as Hugging Face's templates expect:
 * {@code role} and {@code content}, {@code tool_calls} only when the message has tool calls, {@code tool_call_id}
 * only when it answers one.
 *
 * @param role who speaks: usually {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content what is said (empty for an assistant message that only calls tools)
 * @param toolCalls the tools an assistant message calls, or empty
 * @param toolCallId for a tool's answer, the id of the call it answers; null otherwise
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
    /** Checks that role and content are present, copies the tool calls. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (role.isBlank()) {
            throw new IllegalArgumentException("role must not be blank");
        }
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (toolCallId != null && toolCallId.isBlank()) {
            throw new IllegalArgumentException("toolCallId must not be blank (use null for none)");
        }
    }

    /** A message without tool calls. */
    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null);
    }

    /** A system message. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** A user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** An assistant message. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** An assistant message that calls tools, with optional text beside the calls (empty for none). */
    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        if (toolCalls.isEmpty()) {
            throw new IllegalArgumentException("an assistant message with tool calls needs at least one");
        }
        return new ChatMessage("assistant", content, toolCalls, null);
    }

    /** A tool's answer to the call with id {@code toolCallId} (null when the calls have no ids). */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId);
    }
}
