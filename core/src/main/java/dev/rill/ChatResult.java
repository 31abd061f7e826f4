package dev.rill;

import java.util.List;
import java.util.Objects;

/**
 * How a chat generation ended, its output split into answer, reasoning and tool calls.
 *
 * @param generation the engine's result: the raw text, token counts, timings, the engine's finish reason
 * @param content the answer, without markers, reasoning or calls
 * @param reasoning the model's thinking, without its markers; empty when it did not think
 * @param toolCalls the complete tool calls, in order, each with an id; a call cut off (by {@code maxTokens}, say)
 *     is left out
 * @param tail what the parser held back until the end (a trailing piece of text that might have begun a marker),
 *     delivered with no token; streaming consumers send it last
 */
public record ChatResult(GenerationResult generation, String content, String reasoning, List<ToolCall> toolCalls,
                         ChatDelta tail) {
    /** Checks the fields and copies the calls. */
    public ChatResult {
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(reasoning, "reasoning");
        Objects.requireNonNull(tail, "tail");
        toolCalls = List.copyOf(toolCalls);
    }

    /**
     * Why the generation ended: {@link FinishReason#TOOL_CALLS} when the model called tools and ended on its own
     * terms (end of sequence or a stop string), else the engine's reason.
     */
    public FinishReason finishReason() {
        FinishReason engine = generation.finishReason();
        return !toolCalls.isEmpty() && engine.isNatural() ? FinishReason.TOOL_CALLS : engine;
    }
}
