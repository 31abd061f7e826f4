package dev.rill.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.rill.GenerationRequest;
import dev.rill.LanguageModel;
import dev.rill.langchain4j.internal.ChatRequests;
import dev.rill.langchain4j.internal.ChatSettings;
import dev.rill.langchain4j.internal.StreamingReply;

/**
 * A LangChain4j {@link StreamingChatModel} that generates with a Rill {@link LanguageModel}: what each token adds
 * to the answer, the reasoning or a tool call reaches the handler as soon as it is sampled.
 *
 * <pre>{@code
 * StreamingChatModel chat = RillStreamingChatModel.builder().model(model).build();
 * chat.chat("Tell me a story", new StreamingChatResponseHandler() {
 *     public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
 *         System.out.print(partial.text());          // context.streamingHandle().cancel() stops the generation
 *     }
 *     public void onCompleteResponse(ChatResponse response) { System.out.println(); }
 *     public void onError(Throwable error) { error.printStackTrace(); }
 * });
 * }</pre>
 *
 * <p>Requests and responses are mapped as in {@link RillChatModel}. {@code chat} returns at once. What Rill cannot
 * honour ({@code UnsupportedFeatureException}) or a parameter out of range is thrown by {@code chat} itself, as
 * LangChain4j's models do; a request the model refuses when it is submitted (queue full, prompt too long, model
 * closed) reaches {@code onError}, on the calling thread.
 *
 * <p><b>Threads.</b> Every other handler call runs on the model's engine thread, which decodes every sequence of
 * the model: keep the handler quick, or hand the work to another thread.
 *
 * <p><b>Cancellation.</b> {@code context.streamingHandle().cancel()} (from a partial callback or any thread)
 * ends the generation before its next token and frees its sequence; the handler hears nothing more, neither
 * {@code onCompleteResponse} nor {@code onError}. Cancelling is idempotent.
 *
 * <p><b>Handler exceptions.</b> As with LangChain4j's own models, an exception thrown by a partial callback or by
 * {@code onCompleteResponse} goes to {@code onError} (and the listeners' {@code onError}) and the stream goes
 * on; one thrown by {@code onError} is dropped.
 *
 * <p><b>What arrives.</b> Answer text through {@code onPartialResponse}, reasoning through
 * {@code onPartialThinking}, the argument JSON of each tool call through {@code onPartialToolCall} as it forms
 * (with the call's index, id and name), then, when the reply ends, {@code onCompleteToolCall} for each complete
 * call and {@code onCompleteResponse}. Markers of the model's format ({@code <tool_call>}, {@code <think>}) reach
 * none of them. The same holds over a {@code RemoteModel}, whose server parsed the reasoning and calls (and sends
 * reasoning apart only where it is set up to).
 */
public final class RillStreamingChatModel extends RillChatModelBase implements StreamingChatModel {

    private RillStreamingChatModel(ChatSettings settings) {
        super(settings);
    }

    /** A builder; {@link Builder#model} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        GenerationRequest generation = ChatRequests.toGeneration(settings.model(), settings.modelName(), request);
        StreamingReply.start(settings.model(), generation, settings.modelName(), handler);
    }

    /** Builds a {@link RillStreamingChatModel}. Each option may be set once; arguments are checked when set. */
    public static final class Builder extends RillChatModelBase.Builder<Builder> {
        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The streaming chat model.
         *
         * @throws IllegalStateException when no model was given
         */
        public RillStreamingChatModel build() {
            return new RillStreamingChatModel(settings.build());
        }
    }
}
