package dev.rill.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rill.ChatMessage;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A chat completion's {@code messages} and {@code tools} as a {@link Prompt.Chat} for the model's chat template.
 *
 * <p>Roles {@code system}, {@code developer} (given to the template as {@code system}), {@code user},
 * {@code assistant} (with {@code tool_calls}) and {@code tool} (with {@code tool_call_id}). Content is a string or
 * an array of {@code text} parts, which are joined; other parts (images, audio) are refused. {@code tools} of type
 * {@code function} reach the template as {@code tools}, unless {@code tool_choice} is {@code "none"}.
 */
final class ChatPrompts {
    private ChatPrompts() {
    }

    static Prompt.Chat prompt(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array of messages");
        }
        List<ChatMessage> conversation = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            conversation.add(message(messages.get(i), "messages[" + i + "]"));
        }
        Prompt.ChatBuilder chat = Prompt.chatBuilder(conversation);
        List<ToolDefinition> tools = tools(body);
        JsonNode choice = body.get("tool_choice");
        boolean none = choice != null && choice.isTextual() && choice.asText().equals("none");
        if (!tools.isEmpty() && !none) {
            chat.tools(tools);
        }
        variables(body, chat);
        return chat.build();
    }

    /**
     * llama.cpp's {@code chat_template_kwargs} (such as {@code enable_thinking}) as template variables, and
     * OpenAI's {@code reasoning_effort} as the variable of that name unless the kwargs set it.
     */
    private static void variables(ObjectNode body, Prompt.ChatBuilder chat) {
        boolean effortGiven = false;
        if (!Json.absent(body, "chat_template_kwargs")) {
            JsonNode kwargs = body.get("chat_template_kwargs");
            if (!kwargs.isObject()) {
                throw ApiException.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object of "
                        + "template variables, was " + kwargs);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = kwargs.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                try {
                    chat.variable(entry.getKey(), Json.MAPPER.convertValue(entry.getValue(), Object.class));
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw ApiException.invalid("chat_template_kwargs", e.getMessage());
                }
                effortGiven |= entry.getKey().equals("reasoning_effort");
            }
        }
        String effort = Json.string(body, "reasoning_effort", null);
        if (effort != null && !effortGiven) {
            chat.variable("reasoning_effort", effort);
        }
    }

    private static ChatMessage message(JsonNode node, String where) {
        if (!node.isObject()) {
            throw ApiException.invalid("messages", where + " must be an object, was " + node);
        }
        String role = Json.string(node, "role", null);
        if (role == null) {
            throw ApiException.invalid("messages", where + " needs a 'role'");
        }
        String content = content(node.get("content"), where);
        try {
            return switch (role) {
                case "system", "developer" -> ChatMessage.system(content);
                case "user" -> ChatMessage.user(content);
                case "assistant" -> {
                    List<ToolCall> calls = toolCalls(node.get("tool_calls"), where);
                    yield calls.isEmpty() ? ChatMessage.assistant(content) : ChatMessage.assistant(content, calls);
                }
                case "tool" -> ChatMessage.tool(Json.string(node, "tool_call_id", null), content);
                default -> throw ApiException.invalid("messages", where + ": unknown role '" + role
                        + "' (system, developer, user, assistant or tool)");
            };
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("messages", where + ": " + e.getMessage());
        }
    }

    private static String content(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                String type = part.isObject() ? Json.string(part, "type", null) : null;
                if (!"text".equals(type) || !part.path("text").isTextual()) {
                    throw ApiException.invalid("messages", where + ": only text content parts are supported, found "
                            + part);
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiException.invalid("messages", where + ": 'content' must be a string or an array of parts, was "
                + content);
    }

    private static List<ToolCall> toolCalls(JsonNode calls, String where) {
        List<ToolCall> out = new ArrayList<>();
        if (calls == null || calls.isNull()) {
            return out;
        }
        if (!calls.isArray()) {
            throw ApiException.invalid("messages", where + ": 'tool_calls' must be an array");
        }
        for (JsonNode call : calls) {
            JsonNode function = call.get("function");
            if (function == null || !function.isObject()) {
                throw ApiException.invalid("messages", where + ": each tool call needs a 'function' object");
            }
            String name = Json.requiredString(function, "name", where + ".tool_calls[].function");
            JsonNode arguments = function.get("arguments");
            String json;
            if (arguments == null || arguments.isNull()) {
                json = "{}";
            } else if (arguments.isTextual()) {
                json = arguments.asText().isBlank() ? "{}" : arguments.asText();
            } else {
                json = arguments.toString();
            }
            out.add(new ToolCall(Json.string(call, "id", null), name, json));
        }
        return out;
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
            String type = Json.string(tool, "type", "function");
            JsonNode function = tool.get("function");
            if (!type.equals("function") || function == null || !function.isObject()) {
                throw ApiException.invalid("tools", "each tool must be {\"type\": \"function\", \"function\": {...}}, "
                        + "was " + tool);
            }
            String name = Json.requiredString(function, "name", "a tool's function");
            String description = Json.string(function, "description", "");
            JsonNode parameters = function.get("parameters");
            String schema = parameters == null || parameters.isNull() ? "{\"type\": \"object\", \"properties\": {}}"
                    : parameters.toString();
            try {
                out.add(new ToolDefinition(name, description, schema));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("tools", e.getMessage());
            }
        }
        return out;
    }
}
