package dev.rill;

/**
 * How a model family writes reasoning and tool calls in its output. Rill picks it from the chat template's
 * markers ({@link #detect}); {@link GenerationRequest.Builder#chatFormat} overrides the choice.
 */
public enum ChatFormat {
    /**
     * Hermes, Qwen 2.5, Qwen3, QwQ and their kin: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>},
     * reasoning in {@code <think>...</think>}.
     */
    HERMES,
    /**
     * Llama 3.1 to 3.3: the answer is a JSON object {@code {"name": ..., "parameters": {...}}}, with or without a
     * leading {@code <|python_tag|>}.
     */
    LLAMA3,
    /**
     * Mistral: {@code [TOOL_CALLS]} followed by a JSON array of {@code {"name", "arguments"}} objects, or (newer
     * templates) by {@code name[ARGS]{...}}, repeated for several calls.
     */
    MISTRAL,
    /**
     * gpt-oss (OpenAI's harmony format): reasoning in the {@code analysis} channel, the answer in {@code final}, a
     * call as {@code <|channel|>commentary to=functions.NAME ... <|message|>{...}<|call|>}.
     */
    HARMONY,
    /**
     * Any other template (including those whose calls are XML-like, such as Qwen3-Coder's
     * {@code <function=...>}, which Rill does not parse): a call is a JSON object {@code {"name": ..., "arguments": {...}}} at the start of the
     * answer; reasoning in {@code <think>...</think>} when the template mentions it.
     */
    GENERIC;

    /** The format a chat template's source implies, from the markers it contains. */
    public static ChatFormat detect(String templateSource) {
        String t = templateSource == null ? "" : templateSource;
        if (t.contains("<function=")) {
            return GENERIC; // Qwen3-Coder's and functionary's XML-like calls: not a format Rill parses
        }
        if (t.contains("<|channel|>") && t.contains("<|message|>")) {
            return HARMONY;
        }
        if (t.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (t.contains("<tool_call>")) {
            return HERMES;
        }
        if (t.contains("<|start_header_id|>") && (t.contains("<|python_tag|>") || t.contains("\"parameters\"")
                || t.contains("'parameters'"))) {
            return LLAMA3;
        }
        return GENERIC;
    }
}
