package dev.rill;

import java.util.Objects;

/**
 * One message of a conversation, for a chat template.
 *
 * @param role who speaks: usually {@code system}, {@code user} or {@code assistant}
 * @param content what is said
 */
public record ChatMessage(String role, String content) {
    /** Checks that neither part is null and the role is not blank. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        if (role.isBlank()) {
            throw new IllegalArgumentException("role must not be blank");
        }
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
}
