package dev.rill.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.rill.ChatResult;
import dev.rill.Demand;
import dev.rill.FinishReason;
import dev.rill.GenerationRequest;
import dev.rill.LanguageModel;
import dev.rill.StreamToken;
import dev.rill.langchain4j.internal.ChatRequests;
import dev.rill.langchain4j.internal.ChatResponses;
import dev.rill.langchain4j.internal.ChatSettings;
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
 * <p><b>Requests.</b> The conversation is rendered with the model's chat template, tools and tool results included
 * ({@link ChatRequestParameters#toolSpecifications()}, left out under {@code ToolChoice.NONE};
 * {@code ToolExecutionResultMessage}s become tool messages). {@code ToolChoice.AUTO} lets the model decide,
 * {@code REQUIRED} makes the answer a call (to the one tool when only one is offered), and
 * {@link RillChatRequestParameters.Builder#toolName} names the tool to call. Sampling parameters map as
 * {@link RillChatRequestParameters} describes; a JSON response format, with or without a schema, constrains the
 * output with a {@link dev.rill.Grammar} (in-process models only). Refused with LangChain4j's
 * {@code UnsupportedFeatureException}: another {@code modelName} than this model's, a JSON response format together
 * with tools, and content other than text (images, audio, ...).
 *
 * <p><b>Responses.</b> The reply comes from {@link LanguageModel#submitChat}: an in-process {@link dev.rill.Model}
 * parses it in the model's chat format, a {@code RemoteModel} reads the fields its server parsed. The answer is
 * the text, the reasoning ({@code <think>...</think>}, ...) the {@code thinking}, and each tool call a
 * {@code ToolExecutionRequest} (id, name, argument JSON held to the tool's schema by a grammar in process), with
 * finish reason {@code TOOL_EXECUTION}. Otherwise the finish reason is {@code STOP} for an
 * end-of-sequence token or a stop sequence, {@code LENGTH} at {@code maxOutputTokens} or a full context. The token
 * usage (prompt and generated tokens) and {@link RillChatResponseMetadata} with every token's id, text, probability
 * and logit come with every response (a remote server sends ids and probabilities only where asked for and able).
 *
 * <p>Thread-safe: concurrent calls run as concurrent sequences of the model. Closing is the model's business:
 * this class holds nothing of its own.
 */
public final class RillChatModel extends RillChatModelBase implements ChatModel {

    private RillChatModel(ChatSettings settings) {
        super(settings);
    }

    /** A builder; {@link Builder#model} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        GenerationRequest generation = ChatRequests.toGeneration(settings.model(), settings.modelName(), request);
        List<StreamToken> tokens = new ArrayList<>();
        ChatResult result = settings.model().submitChat(generation, (token, ignored) -> tokens.add(token.token()),
                Demand.unbounded()).awaitChat();
        if (result.generation().finishReason() == FinishReason.MODEL_CLOSED) {
            throw new IllegalStateException("the model was closed after " + result.generation().generatedTokens()
                    + " tokens of the reply");
        }
        return ChatResponses.of(ChatResponses.newId(), settings.modelName(), result, tokens);
    }

    /** Builds a {@link RillChatModel}. Each option may be set once; arguments are checked when set. */
    public static final class Builder extends RillChatModelBase.Builder<Builder> {
        private Builder() {
        }

        @Override
        Builder self() {
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
