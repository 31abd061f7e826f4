package dev.rill.server.internal;

import dev.rill.StreamToken;
import java.util.List;

/**
 * Turns the tokens of an assistant's reply into the parts a chat completion reports: visible content, reasoning
 * ({@code reasoning_content}) and tool calls ({@code tool_calls}). The chat handler renders each {@link Delta} as
 * a streamed chunk's {@code delta}, and gathers them into the message of a non-streamed reply, so a parser that
 * recognises reasoning or tool calls plugs in here without touching the handler.
 *
 * <p>One instance per generation; called on the engine thread, so it must be quick.
 */
interface AssistantOutput {

    /** What a token adds; empty while text is held back (say, a possible tool-call prefix). */
    List<Delta> onToken(StreamToken token);

    /** What is still held when the generation ends. */
    List<Delta> onEnd();

    /** Whether the reply called tools, which makes its finish reason {@code tool_calls}. */
    boolean calledTools();

    /** A piece of a reply. */
    sealed interface Delta {
    }

    /** Visible text. */
    record Content(String text) implements Delta {
    }

    /** Reasoning text, reported as {@code reasoning_content}. */
    record Reasoning(String text) implements Delta {
    }

    /**
     * A piece of a tool call: the first piece of call {@code index} carries its id and name, later ones more of
     * its arguments.
     */
    record ToolCallPiece(int index, String id, String name, String arguments) implements Delta {
    }

    /** Every token's text as content: what a model without recognised reasoning or tool-call syntax gives. */
    static AssistantOutput plainContent() {
        return new PlainContent();
    }

    /** The plain parser. */
    final class PlainContent implements AssistantOutput {
        @Override
        public List<Delta> onToken(StreamToken token) {
            return token.text().isEmpty() ? List.of() : List.of(new Content(token.text()));
        }

        @Override
        public List<Delta> onEnd() {
            return List.of();
        }

        @Override
        public boolean calledTools() {
            return false;
        }
    }
}
