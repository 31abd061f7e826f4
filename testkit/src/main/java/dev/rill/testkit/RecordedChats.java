package dev.rill.testkit;

/**
 * Chat streams as an OpenAI-compatible server sends them (llama.cpp's server's documented format), for
 * {@link RecordedServer}: a reply that thinks and calls a {@code weather} tool, and the answer after its result.
 */
public final class RecordedChats {
    /** Answers "SUN" in two pieces, then ends with {@code stop}. */
    public static final String ANSWERS_SUN = """
            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"SU"}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"N"}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"object":"chat.completion.chunk","usage":{"completion_tokens":2,"prompt_tokens":90,"total_tokens":92}}

            data: [DONE]

            """;

    private RecordedChats() {
    }

    /**
     * Thinks, calls {@code weather} with Munich (id {@code k3Jd9QzX}, the server's), ends with {@code tool_calls}.
     *
     * @param argumentName the name of the tool's parameter in its schema (the compiler's, {@code arg0} without
     *     {@code -parameters})
     */
    public static String callsWeather(String argumentName) {
        return """
            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"Weather, "}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"so call it."}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"tool_calls":[{"index":0,"id":"k3Jd9QzX","type":"function","function":{"name":"weather","arguments":"{\\""}}]}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":null,"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"KEY\\":\\"Munich\\"}"}}]}}],"object":"chat.completion.chunk"}

            data: {"choices":[{"finish_reason":"tool_calls","index":0,"delta":{}}],"object":"chat.completion.chunk","usage":{"completion_tokens":17,"prompt_tokens":60,"total_tokens":77}}

            data: [DONE]

            """.replace("KEY", argumentName);
    }
}
