package dev.rill.springai.internal;

import dev.rill.ChatDelta;
import dev.rill.ChatResult;
import dev.rill.ChatToken;
import dev.rill.FinishReason;
import dev.rill.GenerationResult;
import dev.rill.StreamToken;
import dev.rill.ToolCall;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

/** Builds Spring AI responses from Rill's chat tokens and results. */
public final class SpringResponses {
    /** The key of the model's reasoning in an {@code AssistantMessage}'s metadata. */
    public static final String THINKING = "thinking";
    /** The key of Rill's {@link GenerationResult} in the generation metadata. */
    public static final String RESULT = "rill";

    private SpringResponses() {
    }

    /** The finish reason in Spring AI's OpenAI-style names: {@code STOP}, {@code TOOL_CALLS}, {@code LENGTH}. */
    public static String finishReason(FinishReason reason) {
        return switch (reason) {
            case END_OF_SEQUENCE, STOP_STRING -> "STOP";
            case TOOL_CALLS -> "TOOL_CALLS";
            case MAX_TOKENS, CONTEXT_FULL -> "LENGTH";
            case CANCELLED, MODEL_CLOSED, ERROR -> "OTHER";
        };
    }

    /**
     * A whole reply: the answer, the tool calls, the reasoning under {@value #THINKING} in the message's metadata,
     * the finish reason, the usage and Rill's result under {@value #RESULT}.
     */
    public static ChatResponse complete(String id, String modelName, ChatResult chat) {
        AssistantMessage message = message(chat.content(), chat.reasoning(), chat.toolCalls());
        return response(id, modelName, message, chat);
    }

    /**
     * One streamed piece: what a token added to the answer (the text) and to the reasoning (under
     * {@value #THINKING}), with the token's id, probability, logit and index in the generation's metadata; null
     * when the token added to neither (a marker, a piece of a tool call).
     */
    public static ChatResponse piece(String id, String modelName, ChatToken token) {
        ChatDelta delta = token.delta();
        if (delta.content().isEmpty() && delta.reasoning().isEmpty()) {
            return null;
        }
        StreamToken t = token.token();
        Generation generation = new Generation(message(delta.content(), delta.reasoning(), List.of()),
                ChatGenerationMetadata.builder().metadata(Map.of("tokenId", t.tokenId(), "probability",
                        t.probability(), "logit", t.logit(), "index", t.index())).build());
        return new ChatResponse(List.of(generation), ChatResponseMetadata.builder().id(id).model(modelName).build());
    }

    /**
     * The streamed pieces that end a reply: what the parser held back to the end, if anything, then one response
     * with the complete tool calls, the finish reason and the usage.
     */
    public static List<ChatResponse> last(String id, String modelName, ChatResult chat) {
        ChatDelta tail = chat.tail();
        AssistantMessage end = message("", "", chat.toolCalls());
        ChatResponse last = response(id, modelName, end, chat);
        if (tail.content().isEmpty() && tail.reasoning().isEmpty()) {
            return List.of(last);
        }
        Generation held = new Generation(message(tail.content(), tail.reasoning(), List.of()));
        return List.of(new ChatResponse(List.of(held), ChatResponseMetadata.builder().id(id).model(modelName).build()),
                last);
    }

    private static ChatResponse response(String id, String modelName, AssistantMessage message, ChatResult chat) {
        GenerationResult result = chat.generation();
        Generation generation = new Generation(message, ChatGenerationMetadata.builder()
                .finishReason(finishReason(chat.finishReason())).metadata(RESULT, result).build());
        return new ChatResponse(List.of(generation), ChatResponseMetadata.builder().id(id).model(modelName)
                .usage(new DefaultUsage(result.promptTokens(), result.generatedTokens())).build());
    }

    private static AssistantMessage message(String content, String reasoning, List<ToolCall> calls) {
        Map<String, Object> properties = new HashMap<>();
        if (!reasoning.isEmpty()) {
            properties.put(THINKING, reasoning);
        }
        return AssistantMessage.builder()
                .content(content)
                .properties(properties)
                .toolCalls(calls.stream().map(call -> new AssistantMessage.ToolCall(call.id(), "function",
                        call.name(), call.arguments())).toList())
                .build();
    }
}
