package dev.rill;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a generation continues: plain text, a conversation rendered through a chat template, or token ids.
 */
public sealed interface Prompt {

    /** Text, tokenized with the model's special tokens added (a BOS where the model wants one). */
    static Prompt text(String text) {
        return new Text(text);
    }

    /** A conversation rendered with the model's own chat template, ending with the assistant's turn. */
    static Prompt chat(List<ChatMessage> messages) {
        return new Chat(messages, null);
    }

    /** A conversation rendered with {@code template} (a template llama.cpp recognises, or a name like "chatml"). */
    static Prompt chat(List<ChatMessage> messages, String template) {
        return new Chat(messages, Objects.requireNonNull(template, "template"));
    }

    /** Token ids, used as they are. */
    static Prompt tokens(int... tokens) {
        return new Tokens(tokens);
    }

    /** A text prompt. */
    record Text(String text) implements Prompt {
        /** Checks that the text is not null. */
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A chat prompt.
     *
     * @param messages the conversation so far, at least one message
     * @param template the chat template, or null for the model's own
     */
    record Chat(List<ChatMessage> messages, String template) implements Prompt {
        /** Copies the messages and checks there is at least one. */
        public Chat {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) {
                throw new IllegalArgumentException("a chat prompt needs at least one message");
            }
        }
    }

    /** A prompt of token ids. */
    record Tokens(int[] tokens) implements Prompt {
        /** Copies the ids and checks there is at least one, none negative. */
        public Tokens {
            tokens = tokens.clone();
            if (tokens.length == 0) {
                throw new IllegalArgumentException("a token prompt needs at least one token");
            }
            for (int i = 0; i < tokens.length; i++) {
                if (tokens[i] < 0) {
                    throw new IllegalArgumentException("token ids must not be negative, tokens[" + i + "] = " + tokens[i]);
                }
            }
        }

        @Override
        public int[] tokens() {
            return tokens.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tokens other && Arrays.equals(tokens, other.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }

        @Override
        public String toString() {
            return "Tokens" + Arrays.toString(tokens);
        }
    }
}
