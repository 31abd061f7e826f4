package dev.rill.springai;

import dev.rill.ChatCallback;
import dev.rill.ChatResult;
import dev.rill.Demand;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.LanguageModel;
import dev.rill.ModelInfo;
import dev.rill.springai.internal.ChatStreams;
import dev.rill.springai.internal.SpringRequests;
import dev.rill.springai.internal.SpringResponses;
import java.util.Objects;
import java.util.UUID;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import reactor.core.publisher.Flux;

/**
 * A Spring AI {@link ChatModel} (and so {@code StreamingChatModel}) that generates with a Rill
 * {@link LanguageModel}, such as an in-process {@link dev.rill.Model}.
 *
 * <pre>{@code
 * ChatModel chat = RillChatModel.builder()
 *         .model(model)
 *         .defaultOptions(ChatOptions.builder().temperature(0.7).maxTokens(256).build())
 *         .build();
 * String answer = ChatClient.create(chat).prompt("Why is the sky blue?").call().content();
 * }</pre>
 *
 * <p><b>Options.</b> A prompt's options override the defaults one by one. No sampling option means greedy
 * decoding; otherwise {@code temperature}, {@code topP}, {@code topK}, {@code frequencyPenalty} and
 * {@code presencePenalty} configure Rill's sampler chain (penalties over the last 64 generated tokens).
 * {@code maxTokens} and {@code stopSequences} limit the reply; a stop sequence never appears in the text. A
 * {@code model} other than this model's name, and media in user messages, are refused with
 * {@link IllegalArgumentException}.
 *
 * <p><b>Tools.</b> The tools of the options' {@code ToolCallback}s ({@link ToolCallingChatOptions}, which
 * {@link #getOptions()} returns so that {@code ChatClient} can add them) are offered to the model through its chat
 * template; on an in-process {@link dev.rill.Model} its calls are parsed from the output (their argument JSON held
 * to each tool's schema by a grammar) and returned as the {@code AssistantMessage}'s tool calls with finish reason
 * {@code TOOL_CALLS}; tool results ({@code ToolResponseMessage}) go back as tool messages. As Spring AI 2.0's own
 * chat models do, this model does not run the tools itself: {@code ChatClient}'s {@code ToolCallingAdvisor} (or a
 * loop of your own over a {@code ToolCallingManager}) runs them and calls the model again.
 *
 * <p><b>Thinking.</b> A reasoning model's thinking ({@code <think>...</think>}, ...) is kept out of the text and
 * put in the {@code AssistantMessage}'s metadata under {@code "thinking"}.
 *
 * <p><b>Streaming.</b> {@link #stream} is a cold {@code Flux<ChatResponse>}: one response per token that adds
 * answer text or thinking (its id, probability and logit in the generation's metadata; markers and the text of
 * tool calls add neither), then one without text that carries the complete tool calls, the finish reason
 * ({@code STOP}, {@code TOOL_CALLS} or {@code LENGTH}) and the usage. A token is decoded only when the subscriber
 * has asked for a response: demand drives the engine; cancelling ends the generation at the engine's next step.
 * Signals arrive on the model's engine thread: move slow work elsewhere with {@code publishOn}.
 *
 * <p>Over a {@code RemoteModel} the same holds for what the server parsed: its reasoning, answer and tool calls
 * (see {@link LanguageModel#submitChat}).
 */
public final class RillChatModel implements ChatModel {
    private final LanguageModel model;
    private final String modelName;
    private final ToolCallingChatOptions defaults;

    private RillChatModel(LanguageModel model, String modelName, ToolCallingChatOptions defaults) {
        this.model = model;
        this.modelName = modelName;
        this.defaults = defaults;
    }

    /** A builder; {@link Builder#model} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        GenerationRequest request = request(prompt);
        ChatResult result = model.submitChat(request, ChatCallback.ignore(), Demand.unbounded()).awaitChat();
        if (result.generation().finishReason() == FinishReason.MODEL_CLOSED) {
            throw new IllegalStateException("the model was closed after " + result.generation().generatedTokens()
                    + " tokens of the reply");
        }
        return SpringResponses.complete(newId(), modelName, result);
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.defer(() -> ChatStreams.stream(model, request(prompt), newId(), modelName));
    }

    private GenerationRequest request(Prompt prompt) {
        Objects.requireNonNull(prompt, "prompt");
        ChatOptions options = SpringRequests.merge(defaults, prompt.getOptions(), modelName);
        return SpringRequests.toGeneration(prompt.getInstructions(), options);
    }

    private static String newId() {
        return "rill-" + UUID.randomUUID();
    }

    /** The default options, as {@link ToolCallingChatOptions} so that {@code ChatClient} can add tools. */
    @Override
    public ToolCallingChatOptions getOptions() {
        return defaults;
    }

    /** The model that generates. */
    public LanguageModel model() {
        return model;
    }

    /** The name responses report. */
    public String modelName() {
        return modelName;
    }

    @Override
    public String toString() {
        return "RillChatModel[" + modelName + "]";
    }

    /** Builds a {@link RillChatModel}. Each option may be set once; arguments are checked when set. */
    public static final class Builder {
        private LanguageModel model;
        private String modelName;
        private ChatOptions defaults;

        private Builder() {
        }

        /**
         * The model to generate with (required; not closed).
         *
         * @throws IllegalStateException when it is closed, or already set
         */
        public Builder model(LanguageModel model) {
            once(this.model, "model");
            Objects.requireNonNull(model, "model");
            if (model.isClosed()) {
                throw new IllegalStateException("the model " + model + " is closed");
            }
            this.model = model;
            return this;
        }

        /** The name responses report; default the GGUF {@code general.name}, else the file name. */
        public Builder modelName(String modelName) {
            once(this.modelName, "modelName");
            Objects.requireNonNull(modelName, "modelName");
            if (modelName.isBlank()) {
                throw new IllegalArgumentException("modelName must not be blank");
            }
            this.modelName = modelName;
            return this;
        }

        /**
         * The options every prompt starts from.
         *
         * @throws IllegalArgumentException for a value out of range
         */
        public Builder defaultOptions(ChatOptions options) {
            once(this.defaults, "defaultOptions");
            Objects.requireNonNull(options, "options");
            SpringRequests.check(options, modelName);
            this.defaults = options;
            return this;
        }

        /**
         * The chat model.
         *
         * @throws IllegalStateException when no model was given
         * @throws IllegalArgumentException when the default options name another model
         */
        public RillChatModel build() {
            if (model == null) {
                throw new IllegalStateException("model is not set");
            }
            String name = modelName != null ? modelName : defaultName(model.info());
            ToolCallingChatOptions options = SpringRequests.toolCalling(defaults != null ? defaults
                    : ChatOptions.builder().build());
            SpringRequests.check(options, name);
            return new RillChatModel(model, name, options);
        }

        private static String defaultName(ModelInfo info) {
            return info.name().filter(name -> !name.isBlank()).orElseGet(() -> {
                String file = info.path().getFileName().toString();
                return file.endsWith(".gguf") ? file.substring(0, file.length() - ".gguf".length()) : file;
            });
        }

        private static void once(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " is already set");
            }
        }
    }
}
