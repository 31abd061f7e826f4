package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ChatMessage;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import java.util.ArrayList;
import java.util.List;

/**
 * An Anthropic Messages request's {@code system}, {@code messages} and {@code tools} as a {@link Prompt.Chat}.
 *
 * <p>{@code system} is a string or an array of text blocks. Each message's {@code content} is a string or an array
 * of blocks: {@code text}; {@code tool_use} in an assistant message (a tool call, its {@code input} the
 * arguments); {@code tool_result} in a user message (the tool's answer to {@code tool_use_id}, given to the
 * template as a {@code tool} message). Image and document blocks are refused. {@code tools} are
 * {@code {"name", "description", "input_schema"}}; {@code tool_choice: {"type": "none"}} leaves them out.
 */
final class AnthropicPrompts {
    private AnthropicPrompts() {
    }

    static Prompt.Chat prompt(ObjectNode body) {
        List<ChatMessage> conversation = new ArrayList<>();
        if (!Json.absent(body, "system")) {
            String system = text(body.get("system"), "system");
            if (!system.isEmpty()) {
                conversation.add(ChatMessage.system(system));
            }
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array of messages");
        }
        for (int i = 0; i < messages.size(); i++) {
            message(messages.get(i), "messages[" + i + "]", conversation);
        }
        Prompt.ChatBuilder chat = Prompt.chatBuilder(conversation);
        List<ToolDefinition> tools = tools(body);
        JsonNode choice = body.get("tool_choice");
        boolean none = choice != null && choice.isObject() && "none".equals(choice.path("type").asText());
        if (!tools.isEmpty() && !none) {
            chat.tools(tools);
        }
        return chat.build();
    }

    private static void message(JsonNode node, String where, List<ChatMessage> out) {
        if (!node.isObject()) {
            throw ApiException.invalid("messages", where + " must be an object, was " + node);
        }
        String role = Json.string(node, "role", null);
        if (!"user".equals(role) && !"assistant".equals(role)) {
            throw ApiException.invalid("messages", where + ": 'role' must be user or assistant, was " + role);
        }
        JsonNode content = node.get("content");
        if (content == null || content.isNull()) {
            throw ApiException.invalid("messages", where + " needs 'content'");
        }
        if (content.isTextual()) {
            out.add(new ChatMessage(role, content.asText()));
            return;
        }
        if (!content.isArray()) {
            throw ApiException.invalid("messages", where + ": 'content' must be a string or an array of blocks");
        }
        StringBuilder text = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        try {
            for (JsonNode block : content) {
                String type = block.isObject() ? Json.string(block, "type", "") : "";
                switch (type) {
                    case "text" -> text.append(Json.requiredString(block, "text", where + " text block"));
                    case "tool_use" -> {
                        if (!role.equals("assistant")) {
                            throw ApiException.invalid("messages", where + ": tool_use blocks belong to assistant "
                                    + "messages");
                        }
                        JsonNode input = block.get("input");
                        calls.add(new ToolCall(Json.string(block, "id", null),
                                Json.requiredString(block, "name", where + " tool_use block"),
                                input == null || input.isNull() ? "{}" : input.toString()));
                    }
                    case "tool_result" -> {
                        if (!role.equals("user")) {
                            throw ApiException.invalid("messages", where + ": tool_result blocks belong to user "
                                    + "messages");
                        }
                        JsonNode result = block.get("content");
                        out.add(ChatMessage.tool(Json.string(block, "tool_use_id", null),
                                result == null || result.isNull() ? "" : text(result, where + " tool_result")));
                    }
                    default -> throw ApiException.invalid("messages", where + ": only text, tool_use and tool_result "
                            + "blocks are supported, found " + block);
                }
            }
            if (!calls.isEmpty()) {
                out.add(ChatMessage.assistant(text.toString(), calls));
            } else if (!text.isEmpty() || content.isEmpty()) {
                out.add(new ChatMessage(role, text.toString()));
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("messages", where + ": " + e.getMessage());
        }
    }

    /** A string, or the joined text of an array of text blocks. */
    private static String text(JsonNode node, String where) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode block : node) {
                if (!block.isObject() || !"text".equals(block.path("type").asText()) || !block.path("text").isTextual()) {
                    throw ApiException.invalid(where, where + ": only text blocks are supported, found " + block);
                }
                text.append(block.get("text").asText());
            }
            return text.toString();
        }
        throw ApiException.invalid(where, where + " must be a string or an array of text blocks, was " + node);
    }

    private static List<ToolDefinition> tools(ObjectNode body) {
        List<ToolDefinition> out = new ArrayList<>();
        if (Json.absent(body, "tools")) {
            return out;
        }
        JsonNode tools = body.get("tools");
        if (!tools.isArray()) {
            throw ApiException.invalid("tools", "'tools' must be an array");
        }
        for (JsonNode tool : tools) {
            String name = Json.requiredString(tool, "name", "a tool");
            JsonNode schema = tool.get("input_schema");
            try {
                out.add(new ToolDefinition(name, Json.string(tool, "description", ""),
                        schema == null || schema.isNull() ? "{\"type\": \"object\", \"properties\": {}}"
                                : schema.toString()));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("tools", e.getMessage());
            }
        }
        return out;
    }
}
