package dev.rill.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rill.ChatMessage;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JSON files of {@code --messages} and {@code --tools}, in OpenAI's chat shapes:
 * <ul>
 *   <li>messages: {@code [{"role": "user", "content": "..."}, {"role": "assistant", "content": "",
 *       "tool_calls": [{"id": "...", "type": "function", "function": {"name": "...", "arguments": {...}}}]},
 *       {"role": "tool", "tool_call_id": "...", "content": "..."}]} (arguments an object or a string of one);</li>
 *   <li>tools: {@code [{"type": "function", "function": {"name", "description", "parameters"}}]}, or the inner
 *       objects alone.</li>
 * </ul>
 */
final class ChatFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatFiles() {
    }

    static List<ChatMessage> messages(Path file) throws IOException {
        JsonNode root = read(file);
        if (!root.isArray() || root.isEmpty()) {
            throw new IllegalArgumentException(file + ": messages are a JSON array of at least one "
                    + "{\"role\", \"content\"} object");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode m = root.get(i);
            String where = file + ": message " + i;
            String role = text(m, "role", where);
            String content = m.path("content").isNull() || m.path("content").isMissingNode() ? ""
                    : text(m, "content", where);
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode call : m.path("tool_calls")) {
                JsonNode function = call.has("function") ? call.get("function") : call;
                JsonNode arguments = function.path("arguments");
                String json = arguments.isTextual() ? arguments.asText() : arguments.isMissingNode() ? "{}"
                        : arguments.toString();
                calls.add(new ToolCall(call.hasNonNull("id") ? call.get("id").asText() : null,
                        text(function, "name", where + ", tool call"), json));
            }
            String callId = m.hasNonNull("tool_call_id") ? m.get("tool_call_id").asText() : null;
            messages.add(new ChatMessage(role, content, calls, callId));
        }
        return messages;
    }

    static List<ToolDefinition> tools(Path file) throws IOException {
        JsonNode root = read(file);
        if (!root.isArray()) {
            throw new IllegalArgumentException(file + ": tools are a JSON array of {\"type\": \"function\", "
                    + "\"function\": {\"name\", \"description\", \"parameters\"}} objects");
        }
        List<ToolDefinition> tools = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode tool = root.get(i).has("function") ? root.get(i).get("function") : root.get(i);
            String where = file + ": tool " + i;
            JsonNode parameters = tool.path("parameters");
            tools.add(new ToolDefinition(text(tool, "name", where), tool.path("description").asText(""),
                    parameters.isMissingNode() ? "{\"type\": \"object\", \"properties\": {}}" : parameters.toString()));
        }
        return tools;
    }

    private static JsonNode read(Path file) throws IOException {
        try {
            return JSON.readTree(Files.readString(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(where + " needs a string \"" + field + "\"");
        }
        return value.asText();
    }
}
