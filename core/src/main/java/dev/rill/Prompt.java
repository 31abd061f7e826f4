package dev.rill;

import dev.rill.internal.chat.JsonValues;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a generation continues: plain text, a conversation rendered through a chat template, or token ids.
 */
public sealed interface Prompt {

    /** Text, tokenized with the model's special tokens added (a BOS where the model wants one). */
    static Prompt text(String text) {
        return new Text(text);
    }

    /**
     * A conversation rendered with the model's own chat template, ending with the assistant's turn. The template
     * stored in the GGUF ({@code tokenizer.chat_template}) is rendered as Jinja, as Hugging Face's
     * {@code apply_chat_template} does; a model without one gets llama.cpp's default template (ChatML).
     */
    static Prompt chat(List<ChatMessage> messages) {
        return new Chat(messages, null);
    }

    /**
     * A conversation rendered with {@code template}: Jinja source (anything with <code>{{</code> or
     * <code>{%</code>), the name of a variant stored in the model ({@code tokenizer.chat_template.<name>}, such
     * as {@code tool_use}), or the name of one of llama.cpp's built-in templates (such as {@code chatml}).
     */
    static Prompt chat(List<ChatMessage> messages, String template) {
        return new Chat(messages, Objects.requireNonNull(template, "template"));
    }

    /** A chat prompt with tools, extra template variables or another template: see {@link ChatBuilder}. */
    static ChatBuilder chatBuilder(List<ChatMessage> messages) {
        return new ChatBuilder(messages);
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
     * @param template the chat template, or null for the model's own (see {@link Prompt#chat(List, String)})
     * @param tools the functions offered to the model, given to the template as {@code tools}; empty for none
     *              (the template then sees {@code tools} as None)
     * @param variables more template variables, such as {@code enable_thinking}
     */
    record Chat(List<ChatMessage> messages, String template, List<ToolDefinition> tools, Map<String, Object> variables)
            implements Prompt {
        /** Copies the messages, tools and variables and checks there is at least one message. */
        public Chat {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) {
                throw new IllegalArgumentException("a chat prompt needs at least one message");
            }
            tools = tools == null ? List.of() : List.copyOf(tools);
            variables = variables == null ? Map.of() : checkVariables(variables);
        }

        /** A chat prompt without tools or variables. */
        public Chat(List<ChatMessage> messages, String template) {
            this(messages, template, List.of(), Map.of());
        }

        private static Map<String, Object> checkVariables(Map<String, Object> variables) {
            Map<String, Object> copy = new LinkedHashMap<>();
            variables.forEach((name, value) -> copy.put(ChatBuilder.checkName(name),
                    JsonValues.copy(value, "template variable " + name)));
            return Collections.unmodifiableMap(copy);
        }
    }

    /**
     * Builds a {@link Chat} prompt. Each option may be set once; arguments are checked when set.
     *
     * <pre>{@code
     * Prompt prompt = Prompt.chatBuilder(messages)
     *         .tools(List.of(new ToolDefinition("get_weather", "Current weather in a city.",
     *                 "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}")))
     *         .variable("enable_thinking", false)
     *         .build();
     * }</pre>
     */
    final class ChatBuilder {
        /** Variables Rill sets itself. */
        private static final Set<String> RESERVED = Set.of("messages", "tools", "add_generation_prompt", "bos_token",
                "eos_token");

        private final List<ChatMessage> messages;
        private String template;
        private List<ToolDefinition> tools;
        private final Map<String, Object> variables = new LinkedHashMap<>();

        private ChatBuilder(List<ChatMessage> messages) {
            this.messages = new ArrayList<>(Objects.requireNonNull(messages, "messages"));
            if (this.messages.isEmpty()) {
                throw new IllegalArgumentException("a chat prompt needs at least one message");
            }
        }

        /** The template to use instead of the model's own: see {@link Prompt#chat(List, String)}. */
        public ChatBuilder template(String template) {
            Objects.requireNonNull(template, "template");
            if (this.template != null) {
                throw new IllegalStateException("template is already set");
            }
            if (template.isBlank()) {
                throw new IllegalArgumentException("template must not be blank");
            }
            this.template = template;
            return this;
        }

        /** The functions the model may call; the template receives them as {@code tools}. */
        public ChatBuilder tools(List<ToolDefinition> tools) {
            Objects.requireNonNull(tools, "tools");
            if (this.tools != null) {
                throw new IllegalStateException("tools are already set");
            }
            this.tools = List.copyOf(tools);
            return this;
        }

        /**
         * A template variable beside the conversation, such as {@code enable_thinking} or {@code reasoning_effort}:
         * null, a boolean, a number, a string, or lists and maps (string keys) of those.
         */
        public ChatBuilder variable(String name, Object value) {
            checkName(name);
            if (variables.containsKey(name)) {
                throw new IllegalStateException("template variable " + name + " is already set");
            }
            variables.put(name, JsonValues.copy(value, "template variable " + name));
            return this;
        }

        /** The prompt. */
        public Chat build() {
            return new Chat(messages, template, tools, variables);
        }

        static String checkName(String name) {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("a template variable name is an identifier, got '" + name + "'");
            }
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException("template variable " + name + " is set by Rill; "
                        + (name.equals("tools") ? "use tools(...)" : "it cannot be given"));
            }
            return name;
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
