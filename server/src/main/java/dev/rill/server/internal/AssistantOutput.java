package dev.rill.server.internal;

import dev.rill.ChatDelta;
import dev.rill.ChatResult;
import dev.rill.ToolCall;
import dev.rill.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the output core parses out of a chat generation (each token's {@link ChatDelta}, the {@link ChatResult})
 * into the parts a reply reports: visible content, reasoning and tool calls. The chat handlers render each
 * {@link Delta} as a streamed event and a {@link Reply} as the body of a non-streamed one; the request's choices
 * apply here: reasoning reported as content ({@code reasoning_format: "none"}), and one call at most
 * ({@code parallel_tool_calls: false}, Anthropic's {@code disable_parallel_tool_use}).
 *
 * <p>Stateless; called on the engine thread, so it is quick.
 */
final class AssistantOutput {
    private final boolean reasoningAsContent;
    private final boolean firstCallOnly;

    /**
     * @param reasoningAsContent report the model's thinking (without its markers) as content
     * @param firstCallOnly report the first tool call only; the model's further calls are left out
     */
    AssistantOutput(boolean reasoningAsContent, boolean firstCallOnly) {
        this.reasoningAsContent = reasoningAsContent;
        this.firstCallOnly = firstCallOnly;
    }

    /** A piece of a reply. */
    sealed interface Delta {
    }

    /** Visible text. */
    record Content(String text) implements Delta {
    }

    /** Reasoning text, reported as {@code reasoning_content} or a {@code thinking} block. */
    record Reasoning(String text) implements Delta {
    }

    /**
     * A piece of a tool call: the first piece of call {@code index} carries its id and name, later ones (id and
     * name null) more of its argument JSON.
     */
    record ToolCallPiece(int index, String id, String name, String arguments) implements Delta {
    }

    /**
     * A whole reply.
     *
     * @param calls the complete tool calls, each with its id and its arguments as a JSON object
     */
    record Reply(String content, String reasoning, List<ToolCall> calls) {
    }

    /** The pieces one step added, reasoning first: empty while the parser holds text back. */
    List<Delta> deltas(ChatDelta delta) {
        if (delta.isEmpty()) {
            return List.of();
        }
        List<Delta> out = new ArrayList<>(2);
        if (!delta.reasoning().isEmpty()) {
            out.add(reasoningAsContent ? new Content(delta.reasoning()) : new Reasoning(delta.reasoning()));
        }
        if (!delta.content().isEmpty()) {
            out.add(new Content(delta.content()));
        }
        for (ToolCallDelta call : delta.toolCalls()) {
            if (!firstCallOnly || call.index() == 0) {
                out.add(new ToolCallPiece(call.index(), call.id(), call.name(), call.arguments()));
            }
        }
        return out;
    }

    /** The reply of a generation that ended. */
    Reply reply(ChatResult result) {
        List<ToolCall> calls = result.toolCalls();
        if (firstCallOnly && calls.size() > 1) {
            calls = calls.subList(0, 1);
        }
        return reasoningAsContent
                ? new Reply(result.reasoning() + result.content(), "", calls)
                : new Reply(result.content(), result.reasoning(), calls);
    }

    /**
     * The reply made of the deltas streamed so far, for a generation whose end the engine did not report: content
     * and reasoning; a tool call counts only once complete, which only the end tells, so none are reported.
     */
    static Reply partial(List<Delta> deltas) {
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        for (Delta delta : deltas) {
            switch (delta) {
                case Content c -> content.append(c.text());
                case Reasoning r -> reasoning.append(r.text());
                case ToolCallPiece ignored -> {
                }
            }
        }
        return new Reply(content.toString(), reasoning.toString(), List.of());
    }
}
