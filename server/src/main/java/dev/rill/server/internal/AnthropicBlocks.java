package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ToolCall;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The content blocks of one Anthropic reply: {@code thinking}, {@code text} and {@code tool_use}. Streamed, a
 * block opens ({@code content_block_start}) when the kind of output changes, grows by {@code thinking_delta},
 * {@code text_delta} or {@code input_json_delta} events, and closes ({@code content_block_stop}) before the next
 * one opens or the reply ends; a reply with no output still has one empty text block, as Anthropic's API sends.
 *
 * <p>One instance per streamed reply, used on one thread at a time (the engine thread, then the one that writes
 * the end).
 */
final class AnthropicBlocks {
    private enum Kind { NONE, THINKING, TEXT, TOOL_USE }

    private int index = -1;
    private Kind open = Kind.NONE;
    private int openCall = -1;

    /** The events of {@code deltas}: deltas of the open block, or a block change first. */
    List<byte[]> events(List<AssistantOutput.Delta> deltas) {
        List<byte[]> events = new ArrayList<>(deltas.size());
        for (AssistantOutput.Delta delta : deltas) {
            switch (delta) {
                case AssistantOutput.Reasoning r -> {
                    if (open != Kind.THINKING) {
                        start(events, Kind.THINKING, block("thinking", "thinking", "", "signature", ""), -1);
                    }
                    events.add(delta(Json.MAPPER.createObjectNode().put("type", "thinking_delta")
                            .put("thinking", r.text())));
                }
                case AssistantOutput.Content c -> {
                    if (open != Kind.TEXT) {
                        start(events, Kind.TEXT, block("text", "text", ""), -1);
                    }
                    events.add(delta(Json.MAPPER.createObjectNode().put("type", "text_delta").put("text", c.text())));
                }
                case AssistantOutput.ToolCallPiece piece -> {
                    if (open != Kind.TOOL_USE || openCall != piece.index()) {
                        ObjectNode block = block("tool_use", "id", piece.id(), "name", piece.name());
                        block.putObject("input");
                        start(events, Kind.TOOL_USE, block, piece.index());
                    }
                    if (!piece.arguments().isEmpty()) {
                        events.add(delta(Json.MAPPER.createObjectNode().put("type", "input_json_delta")
                                .put("partial_json", piece.arguments())));
                    }
                }
            }
        }
        return events;
    }

    /** Closes the open block; a reply that opened none gets an empty text block. */
    List<byte[]> end() {
        List<byte[]> events = new ArrayList<>(2);
        if (open == Kind.NONE) {
            start(events, Kind.TEXT, block("text", "text", ""), -1);
        }
        stop(events);
        return events;
    }

    private void start(List<byte[]> events, Kind kind, ObjectNode block, int call) {
        stop(events);
        index++;
        open = kind;
        openCall = call;
        ObjectNode start = Json.MAPPER.createObjectNode();
        start.put("type", "content_block_start");
        start.put("index", index);
        start.set("content_block", block);
        events.add(Responses.event("content_block_start", start));
    }

    private void stop(List<byte[]> events) {
        if (open == Kind.NONE) {
            return;
        }
        ObjectNode stop = Json.MAPPER.createObjectNode();
        stop.put("type", "content_block_stop");
        stop.put("index", index);
        events.add(Responses.event("content_block_stop", stop));
        open = Kind.NONE;
    }

    private byte[] delta(ObjectNode delta) {
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("type", "content_block_delta");
        event.put("index", index);
        event.set("delta", delta);
        return Responses.event("content_block_delta", event);
    }

    private static ObjectNode block(String type, String... fields) {
        ObjectNode block = Json.MAPPER.createObjectNode();
        block.put("type", type);
        for (int i = 0; i < fields.length; i += 2) {
            block.put(fields[i], fields[i + 1]);
        }
        return block;
    }

    /** The {@code content} of a whole reply: its thinking, its text (or an empty one) and its tool calls. */
    static ArrayNode content(AssistantOutput.Reply reply) {
        ArrayNode content = Json.MAPPER.createArrayNode();
        if (!reply.reasoning().isEmpty()) {
            content.add(block("thinking", "thinking", reply.reasoning(), "signature", ""));
        }
        if (!reply.content().isEmpty() || reply.calls().isEmpty()) {
            content.add(block("text", "text", reply.content()));
        }
        for (ToolCall call : reply.calls()) {
            ObjectNode block = block("tool_use", "id", call.id(), "name", call.name());
            block.set("input", input(call));
            content.add(block);
        }
        return content;
    }

    private static JsonNode input(ToolCall call) {
        try {
            return Json.MAPPER.readTree(call.arguments());
        } catch (IOException e) {
            throw new IllegalStateException("a complete tool call's arguments are a JSON object: " + call, e);
        }
    }
}
