package dev.rill.langchain4j.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.rill.ChatMessage;
import dev.rill.GenerationRequest;
import dev.rill.Grammar;
import dev.rill.LanguageModel;
import dev.rill.Model;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.ToolDefinition;
import dev.rill.langchain4j.RillChatRequestParameters;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SamplerChain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a LangChain4j {@link ChatRequest} (its parameters already merged with the model's defaults) into a
 * Rill {@link GenerationRequest}, and refuses what Rill cannot honour with {@link UnsupportedFeatureException}.
 */
public final class ChatRequests {
    /** Generated tokens the frequency and presence penalties look back over. */
    public static final int PENALTY_WINDOW = 64;
    /** JSON mode without a schema: any JSON object. */
    private static final String ANY_OBJECT = "{\"type\": \"object\", \"additionalProperties\": true}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatRequests() {
    }

    /**
     * Checks parameters without a request, as builders do for their defaults.
     *
     * @throws UnsupportedFeatureException for another model name or {@link ToolChoice#REQUIRED}
     * @throws IllegalArgumentException for a sampling value out of range
     */
    public static void check(ChatRequestParameters parameters, String modelName) {
        if (parameters.modelName() != null && !parameters.modelName().equals(modelName)) {
            throw new UnsupportedFeatureException("Rill does not support the modelName parameter for another model: "
                    + "this chat model runs '" + modelName + "', the request asked for '" + parameters.modelName()
                    + "'; build a chat model per model");
        }
        if (parameters.toolChoice() == ToolChoice.REQUIRED) {
            throw new UnsupportedFeatureException("Rill does not support ToolChoice.REQUIRED yet: the model decides "
                    + "whether to call a tool");
        }
        Integer maxOutputTokens = parameters.maxOutputTokens();
        if (maxOutputTokens != null && maxOutputTokens <= 0) {
            throw new IllegalArgumentException("maxOutputTokens must be at least 1, was " + maxOutputTokens);
        }
        sampler(parameters);
    }

    /** The generation that answers {@code request} on {@code model}. */
    public static GenerationRequest toGeneration(LanguageModel model, String modelName, ChatRequest request) {
        ChatRequestParameters parameters = request.parameters();
        check(parameters, modelName);
        List<ChatMessage> messages = new ArrayList<>(request.messages().size());
        for (dev.langchain4j.data.message.ChatMessage message : request.messages()) {
            messages.add(message(message));
        }
        List<ToolSpecification> tools = parameters.toolSpecifications();
        Prompt prompt = tools == null || tools.isEmpty() || parameters.toolChoice() == ToolChoice.NONE
                ? Prompt.chat(messages)
                : Prompt.chatBuilder(messages).tools(tools.stream().map(ChatRequests::tool).toList()).build();
        GenerationRequest.Builder builder = GenerationRequest.builder(prompt)
                .sampler(constrained(model, parameters.responseFormat(), sampler(parameters)));
        if (parameters.maxOutputTokens() != null) {
            builder.maxTokens(parameters.maxOutputTokens());
        }
        if (parameters.stopSequences() != null) {
            builder.stop(parameters.stopSequences());
        }
        if (parameters instanceof RillChatRequestParameters rill && rill.seed() != null) {
            builder.seed(rill.seed());
        }
        return builder.build();
    }

    /**
     * Greedy unless a sampling parameter is set; then the standard chain: penalties over the last
     * {@value #PENALTY_WINDOW} generated tokens, top-k, top-p, min-p, temperature (1 unless set; 0 picks the most
     * likely token).
     */
    static Sampler sampler(ChatRequestParameters parameters) {
        Double minP = parameters instanceof RillChatRequestParameters rill ? rill.minP() : null;
        if (parameters.temperature() == null && parameters.topP() == null && parameters.topK() == null
                && minP == null && parameters.frequencyPenalty() == null && parameters.presencePenalty() == null) {
            return Sampler.greedy();
        }
        SamplerChain.Builder chain = SamplerChain.builder();
        if (parameters.frequencyPenalty() != null || parameters.presencePenalty() != null) {
            chain.penalties(PENALTY_WINDOW, 1.0, orZero(parameters.frequencyPenalty()),
                    orZero(parameters.presencePenalty()));
        }
        if (parameters.topK() != null) {
            chain.topK(parameters.topK());
        }
        if (parameters.topP() != null) {
            chain.topP(parameters.topP());
        }
        if (minP != null) {
            chain.minP(minP);
        }
        if (parameters.temperature() != null) {
            chain.temperature(parameters.temperature());
        }
        return chain.build();
    }

    private static double orZero(Double value) {
        return value == null ? 0 : value;
    }

    private static Sampler constrained(LanguageModel model, ResponseFormat format, Sampler sampler) {
        if (format == null || format.type() == ResponseFormatType.TEXT) {
            return sampler;
        }
        String schema = format.jsonSchema() == null ? ANY_OBJECT : schemaJson(format.jsonSchema().rootElement());
        if (!(model instanceof Model local)) {
            throw new UnsupportedFeatureException("JSON response format is not supported on " + model
                    + ": it needs a grammar, which only an in-process dev.rill.Model runs");
        }
        return Grammar.fromJsonSchema(local, schema).then(sampler);
    }

    /** The JSON text of a schema element; a raw schema loses its {@code $schema} annotation. */
    static String schemaJson(JsonSchemaElement element) {
        try {
            if (element instanceof JsonRawSchema raw) {
                JsonNode node = JSON.readTree(raw.schema());
                if (node instanceof ObjectNode object) {
                    object.remove("$schema");
                }
                return JSON.writeValueAsString(node);
            }
            Map<String, Object> map = JsonSchemaElementUtils.toMap(element);
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the JSON schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static ToolDefinition tool(ToolSpecification tool) {
        String parameters = tool.parameters() == null ? "{\"type\": \"object\", \"properties\": {}}"
                : schemaJson(tool.parameters());
        return new ToolDefinition(tool.name(), tool.description() == null ? "" : tool.description(), parameters);
    }

    private static ChatMessage message(dev.langchain4j.data.message.ChatMessage message) {
        return switch (message) {
            case SystemMessage system -> ChatMessage.system(system.text());
            case UserMessage user -> ChatMessage.user(text(user));
            case AiMessage ai -> ai.hasToolExecutionRequests()
                    ? ChatMessage.assistant(ai.text() == null ? "" : ai.text(),
                            ai.toolExecutionRequests().stream().map(ChatRequests::toolCall).toList())
                    : ChatMessage.assistant(ai.text() == null ? "" : ai.text());
            case ToolExecutionResultMessage result -> ChatMessage.tool(blankToNull(result.id()), result.text());
            default -> throw new UnsupportedFeatureException("Rill does not support chat messages of type "
                    + message.type());
        };
    }

    private static String text(UserMessage user) {
        StringBuilder text = new StringBuilder();
        for (Content content : user.contents()) {
            if (!(content instanceof TextContent piece)) {
                throw new UnsupportedFeatureException("Rill does not support " + content.type().name().toLowerCase()
                        + " content in user messages yet: text only");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(piece.text());
        }
        return text.toString();
    }

    private static ToolCall toolCall(ToolExecutionRequest request) {
        String arguments = request.arguments() == null || request.arguments().isBlank() ? "{}" : request.arguments();
        return new ToolCall(blankToNull(request.id()), request.name(), arguments);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
