package dev.rill.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.GenerationResult;
import dev.rill.LanguageModel;
import dev.rill.StreamToken;
import dev.rill.langchain4j.internal.ChatRequests;
import dev.rill.langchain4j.internal.ChatResponses;
import dev.rill.langchain4j.internal.ChatSettings;
import dev.rill.langchain4j.internal.ReplyBuilder;
import dev.rill.langchain4j.internal.ReplyParser;
import java.util.ArrayList;
import java.util.List;

/**
 * A LangChain4j {@link ChatModel} that generates with a Rill {@link LanguageModel}, such as an in-process
 * {@link dev.rill.Model}.
 *
 * <pre>{@code
 * Model model = Model.load(Path.of("qwen2.5-0.5b-instruct-q8_0.gguf"));
 * ChatModel chat = RillChatModel.builder()
 *         .model(model)
 *         .defaultRequestParameters(RillChatRequestParameters.builder().temperature(0.7).maxOutputTokens(256).build())
 *         .build();
 * String answer = chat.chat("Why is the sky blue?");
 * }</pre>
 *
 * <p><b>Requests.</b> The conversation is rendered with the model's chat template, tools included
 * ({@link ChatRequestParameters#toolSpecifications()}, left out under {@code ToolChoice.NONE}). Sampling
 * parameters map as {@link RillChatRequestParameters} describes; a JSON response format, with or without a
 * schema, constrains the output with a {@link dev.rill.Grammar} (in-process models only). Refused with
 * LangChain4j's {@code UnsupportedFeatureException}: another {@code modelName} than this model's,
 * {@code ToolChoice.REQUIRED}, and content other than text (images, audio, ...).
 *
 * <p><b>Responses.</b> The text, the token usage (prompt and generated tokens), the finish reason ({@code STOP}
 * for an end-of-sequence token or a stop sequence, {@code LENGTH} at {@code maxOutputTokens} or a full context) and
 * {@link RillChatResponseMetadata} with every token's id, text, probability and logit.
 *
 * <p><b>Not there yet.</b> Tool calls in the model's output are not parsed into {@code ToolExecutionRequest}s
 * (nor reasoning into {@code thinking}): the reply's whole text is the answer. The parsing plugs in behind the
 * same classes once Rill's core provides it.
 *
 * <p>Thread-safe: concurrent calls run as concurrent sequences of the model. Closing is the model's business:
 * this class holds nothing of its own.
 */
public final class RillChatModel implements ChatModel {
    private final ChatSettings settings;

    private RillChatModel(ChatSettings settings) {
        this.settings = settings;
    }

    /** A builder; {@link Builder#model} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        GenerationRequest generation = ChatRequests.toGeneration(settings.model(), settings.modelName(), request);
        ReplyBuilder reply = new ReplyBuilder();
        ReplyParser parser = ReplyParser.plainText();
        List<StreamToken> tokens = new ArrayList<>();
        GenerationResult result = settings.model().generate(generation, (token, ignored) -> {
            tokens.add(token);
            if (!token.text().isEmpty()) {
                parser.accept(token.text(), reply);
            }
        });
        if (result.finishReason() == FinishReason.MODEL_CLOSED) {
            throw new IllegalStateException("the model was closed after " + result.generatedTokens()
                    + " tokens of the reply");
        }
        parser.finish(reply);
        return ChatResponses.of(ChatResponses.newId(), settings.modelName(), reply, result, tokens);
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return settings.defaults();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return settings.listeners();
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** The model that generates. */
    public LanguageModel model() {
        return settings.model();
    }

    @Override
    public String toString() {
        return "RillChatModel[" + settings.modelName() + "]";
    }

    /** Builds a {@link RillChatModel}. Each option may be set once; arguments are checked when set. */
    public static final class Builder {
        private final ChatSettings.Builder settings = new ChatSettings.Builder();

        private Builder() {
        }

        /**
         * The model to generate with (required; not closed).
         *
         * @throws IllegalStateException when the model is closed
         */
        public Builder model(LanguageModel model) {
            settings.model(model);
            return this;
        }

        /**
         * The name responses report and requests may name; default the GGUF {@code general.name}, else the
         * file name without {@code .gguf}.
         */
        public Builder modelName(String modelName) {
            settings.modelName(modelName);
            return this;
        }

        /**
         * The parameters every request starts from (a request's own override them): LangChain4j's
         * {@link ChatRequestParameters} or {@link RillChatRequestParameters}.
         *
         * @throws dev.langchain4j.exception.UnsupportedFeatureException for what Rill cannot honour (see the class
         *     documentation)
         * @throws IllegalArgumentException for a sampling value out of range
         */
        public Builder defaultRequestParameters(ChatRequestParameters parameters) {
            settings.defaultRequestParameters(parameters);
            return this;
        }

        /** Listeners notified around each request ({@code onRequest}, {@code onResponse}, {@code onError}). */
        public Builder listeners(List<ChatModelListener> listeners) {
            settings.listeners(listeners);
            return this;
        }

        /**
         * The chat model.
         *
         * @throws IllegalStateException when no model was given
         */
        public RillChatModel build() {
            return new RillChatModel(settings.build());
        }
    }
}
