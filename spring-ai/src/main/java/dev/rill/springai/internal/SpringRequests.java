package dev.rill.springai.internal;

import dev.rill.ChatMessage;
import dev.rill.GenerationRequest;
import dev.rill.Prompt;
import dev.rill.ToolCall;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SamplerChain;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;

/** Turns a Spring AI prompt and its options (merged with the model's defaults) into a Rill request. */
public final class SpringRequests {
    /** Generated tokens the frequency and presence penalties look back over. */
    public static final int PENALTY_WINDOW = 64;

    private SpringRequests() {
    }

    /**
     * The options of a call: the prompt's own where set, else the defaults.
     *
     * @throws IllegalArgumentException when the prompt names another model
     */
    public static ChatOptions merge(ChatOptions defaults, ChatOptions requested, String modelName) {
        if (requested == null) {
            return defaults;
        }
        ChatOptions merged = ChatOptions.builder()
                .model(pick(requested.getModel(), defaults.getModel()))
                .temperature(pick(requested.getTemperature(), defaults.getTemperature()))
                .topP(pick(requested.getTopP(), defaults.getTopP()))
                .topK(pick(requested.getTopK(), defaults.getTopK()))
                .maxTokens(pick(requested.getMaxTokens(), defaults.getMaxTokens()))
                .stopSequences(pick(requested.getStopSequences(), defaults.getStopSequences()))
                .frequencyPenalty(pick(requested.getFrequencyPenalty(), defaults.getFrequencyPenalty()))
                .presencePenalty(pick(requested.getPresencePenalty(), defaults.getPresencePenalty()))
                .build();
        check(merged, modelName);
        return merged;
    }

    /**
     * Checks options without a prompt, as the builder does for its defaults.
     *
     * @throws IllegalArgumentException for another model's name, a value out of range
     */
    public static void check(ChatOptions options, String modelName) {
        if (options.getModel() != null && modelName != null && !options.getModel().equals(modelName)) {
            throw new IllegalArgumentException("this chat model runs '" + modelName + "', the options ask for '"
                    + options.getModel() + "'; build a chat model per model");
        }
        if (options.getMaxTokens() != null && options.getMaxTokens() <= 0) {
            throw new IllegalArgumentException("maxTokens must be at least 1, was " + options.getMaxTokens());
        }
        sampler(options);
    }

    private static <T> T pick(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** The generation for {@code messages} under {@code options}. */
    public static GenerationRequest toGeneration(List<Message> messages, ChatOptions options) {
        List<ChatMessage> chat = new ArrayList<>(messages.size());
        for (Message message : messages) {
            add(message, chat);
        }
        GenerationRequest.Builder builder = GenerationRequest.builder(Prompt.chat(chat)).sampler(sampler(options));
        if (options.getMaxTokens() != null) {
            builder.maxTokens(options.getMaxTokens());
        }
        if (options.getStopSequences() != null) {
            builder.stop(options.getStopSequences());
        }
        return builder.build();
    }

    /** Greedy unless a sampling option is set; then the standard chain (see {@link SamplerChain}). */
    static Sampler sampler(ChatOptions options) {
        if (options.getTemperature() == null && options.getTopP() == null && options.getTopK() == null
                && options.getFrequencyPenalty() == null && options.getPresencePenalty() == null) {
            return Sampler.greedy();
        }
        SamplerChain.Builder chain = SamplerChain.builder();
        if (options.getFrequencyPenalty() != null || options.getPresencePenalty() != null) {
            chain.penalties(PENALTY_WINDOW, 1.0, orZero(options.getFrequencyPenalty()),
                    orZero(options.getPresencePenalty()));
        }
        if (options.getTopK() != null) {
            chain.topK(options.getTopK());
        }
        if (options.getTopP() != null) {
            chain.topP(options.getTopP());
        }
        if (options.getTemperature() != null) {
            chain.temperature(options.getTemperature());
        }
        return chain.build();
    }

    private static double orZero(Double value) {
        return value == null ? 0 : value;
    }

    private static void add(Message message, List<ChatMessage> chat) {
        String text = message.getText() == null ? "" : message.getText();
        switch (message) {
            case SystemMessage ignored -> chat.add(ChatMessage.system(text));
            case UserMessage user -> {
                if (!user.getMedia().isEmpty()) {
                    throw new IllegalArgumentException("Rill takes text only; the user message carries "
                            + user.getMedia().size() + " media item(s)");
                }
                chat.add(ChatMessage.user(text));
            }
            case AssistantMessage assistant -> chat.add(assistant.hasToolCalls()
                    ? ChatMessage.assistant(text, assistant.getToolCalls().stream()
                            .map(call -> new ToolCall(blankToNull(call.id()), call.name(),
                                    call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments()))
                            .toList())
                    : ChatMessage.assistant(text));
            case ToolResponseMessage tools -> tools.getResponses().forEach(response ->
                    chat.add(ChatMessage.tool(blankToNull(response.id()), response.responseData())));
            default -> throw new IllegalArgumentException("Rill does not take messages of type "
                    + message.getMessageType());
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
