package dev.rill.langchain4j.internal;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.rill.ChatResult;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.ToolCall;
import dev.rill.langchain4j.RillChatResponseMetadata;
import java.util.List;
import java.util.UUID;

/** Builds the {@link ChatResponse} of a finished chat generation. */
public final class ChatResponses {
    private ChatResponses() {
    }

    /** A fresh response id. */
    public static String newId() {
        return "rill-" + UUID.randomUUID();
    }

    /** The response for a generation that ended on its own terms or at a limit. */
    public static ChatResponse of(String id, String modelName, ChatResult chat, List<StreamToken> tokens) {
        GenerationResult result = chat.generation();
        return ChatResponse.builder()
                .aiMessage(message(chat))
                .metadata(RillChatResponseMetadata.builder()
                        .id(id)
                        .modelName(modelName)
                        .tokenUsage(new TokenUsage(result.promptTokens(), result.generatedTokens()))
                        .finishReason(finishReason(chat.finishReason()))
                        .tokens(tokens)
                        .result(result)
                        .build())
                .build();
    }

    /** The assistant's message: its answer (null when it only calls tools), reasoning and tool calls. */
    static AiMessage message(ChatResult chat) {
        boolean calls = !chat.toolCalls().isEmpty();
        return AiMessage.builder()
                .text(chat.content().isEmpty() && calls ? null : chat.content())
                .thinking(chat.reasoning().isEmpty() ? null : chat.reasoning())
                .toolExecutionRequests(chat.toolCalls().stream().map(ChatResponses::request).toList())
                .build();
    }

    /** LangChain4j's form of a tool call. */
    static ToolExecutionRequest request(ToolCall call) {
        return ToolExecutionRequest.builder().id(call.id()).name(call.name()).arguments(call.arguments()).build();
    }

    /** LangChain4j's name for how a generation ended. */
    static FinishReason finishReason(dev.rill.FinishReason reason) {
        return switch (reason) {
            case END_OF_SEQUENCE, STOP_STRING -> FinishReason.STOP;
            case TOOL_CALLS -> FinishReason.TOOL_EXECUTION;
            case MAX_TOKENS, CONTEXT_FULL -> FinishReason.LENGTH;
            case CANCELLED, MODEL_CLOSED, ERROR -> FinishReason.OTHER;
        };
    }
}
