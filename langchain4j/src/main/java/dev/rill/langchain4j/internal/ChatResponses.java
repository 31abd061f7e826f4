package dev.rill.langchain4j.internal;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.langchain4j.RillChatResponseMetadata;
import java.util.List;
import java.util.UUID;

/** Builds the {@link ChatResponse} of a finished generation. */
public final class ChatResponses {
    private ChatResponses() {
    }

    /** A fresh response id. */
    public static String newId() {
        return "rill-" + UUID.randomUUID();
    }

    /** The response for a generation that ended on its own terms or at a limit. */
    public static ChatResponse of(String id, String modelName, ReplyBuilder reply, GenerationResult result,
                                  List<StreamToken> tokens) {
        FinishReason finishReason = reply.hasToolCalls() ? FinishReason.TOOL_EXECUTION : finishReason(result);
        return ChatResponse.builder()
                .aiMessage(reply.message())
                .metadata(RillChatResponseMetadata.builder()
                        .id(id)
                        .modelName(modelName)
                        .tokenUsage(new TokenUsage(result.promptTokens(), result.generatedTokens()))
                        .finishReason(finishReason)
                        .tokens(tokens)
                        .result(result)
                        .build())
                .build();
    }

    /** LangChain4j's name for how a generation ended. */
    static FinishReason finishReason(GenerationResult result) {
        return switch (result.finishReason()) {
            case END_OF_SEQUENCE, STOP_STRING -> FinishReason.STOP;
            case TOOL_CALLS -> FinishReason.TOOL_EXECUTION;
            case MAX_TOKENS, CONTEXT_FULL -> FinishReason.LENGTH;
            case CANCELLED, MODEL_CLOSED, ERROR -> FinishReason.OTHER;
        };
    }
}
