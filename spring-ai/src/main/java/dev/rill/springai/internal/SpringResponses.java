package dev.rill.springai.internal;

import dev.rill.GenerationResult;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

/** Builds Spring AI responses from Rill's tokens and results. */
public final class SpringResponses {
    private SpringResponses() {
    }

    /** The finish reason Spring AI's OpenAI-style consumers expect: {@code STOP} or {@code LENGTH}. */
    public static String finishReason(GenerationResult result) {
        return switch (result.finishReason()) {
            case END_OF_SEQUENCE, STOP_STRING -> "STOP";
            case TOOL_CALLS -> "TOOL_CALLS";
            case MAX_TOKENS, CONTEXT_FULL -> "LENGTH";
            case CANCELLED, MODEL_CLOSED, ERROR -> "OTHER";
        };
    }

    /** A whole reply: its text, finish reason, usage and Rill's result under the metadata key {@code rill}. */
    public static ChatResponse complete(String id, String modelName, GenerationResult result) {
        Generation generation = new Generation(new AssistantMessage(result.text()), ChatGenerationMetadata.builder()
                .finishReason(finishReason(result)).metadata("rill", result).build());
        return new ChatResponse(java.util.List.of(generation), metadata(id, modelName, result));
    }

    /** One streamed piece of text, with the token's id, probability and logit in the generation's metadata. */
    public static ChatResponse piece(String id, String modelName, dev.rill.StreamToken token) {
        Generation generation = new Generation(new AssistantMessage(token.text()), ChatGenerationMetadata.builder()
                .metadata(Map.of("tokenId", token.tokenId(), "probability", token.probability(),
                        "logit", token.logit(), "index", token.index())).build());
        return new ChatResponse(java.util.List.of(generation),
                ChatResponseMetadata.builder().id(id).model(modelName).build());
    }

    /** The last streamed response: no text, the finish reason and the usage. */
    public static ChatResponse last(String id, String modelName, GenerationResult result) {
        Generation generation = new Generation(new AssistantMessage(""), ChatGenerationMetadata.builder()
                .finishReason(finishReason(result)).metadata("rill", result).build());
        return new ChatResponse(java.util.List.of(generation), metadata(id, modelName, result));
    }

    private static ChatResponseMetadata metadata(String id, String modelName, GenerationResult result) {
        return ChatResponseMetadata.builder().id(id).model(modelName)
                .usage(new DefaultUsage(result.promptTokens(), result.generatedTokens())).build();
    }
}
