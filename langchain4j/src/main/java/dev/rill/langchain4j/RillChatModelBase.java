package dev.rill.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.rill.LanguageModel;
import dev.rill.langchain4j.internal.ChatSettings;
import java.util.List;

/**
 * What the blocking and the streaming chat model share: their settings, the methods LangChain4j asks both for,
 * and one builder. Not API: use {@link RillChatModel} or {@link RillStreamingChatModel}.
 */
abstract sealed class RillChatModelBase permits RillChatModel, RillStreamingChatModel {
    final ChatSettings settings;

    RillChatModelBase(ChatSettings settings) {
        this.settings = settings;
    }

    /** The parameters every request starts from, this model's name among them. */
    public ChatRequestParameters defaultRequestParameters() {
        return settings.defaults();
    }

    /** The listeners LangChain4j notifies around each request. */
    public List<ChatModelListener> listeners() {
        return settings.listeners();
    }

    /** {@link ModelProvider#OTHER}: LangChain4j has no constant for Rill. */
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** The model that generates. */
    public LanguageModel model() {
        return settings.model();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + settings.modelName() + "]";
    }

    /**
     * The options of both builders. Each option may be set once; arguments are checked when set.
     *
     * @param <B> the builder
     */
    abstract static sealed class Builder<B extends Builder<B>> permits RillChatModel.Builder,
            RillStreamingChatModel.Builder {
        final ChatSettings.Builder settings = new ChatSettings.Builder();

        Builder() {
        }

        abstract B self();

        /**
         * The model to generate with (required; not closed): an in-process {@link dev.rill.Model} or any other
         * {@link LanguageModel}, such as a {@code RemoteModel}.
         *
         * @throws IllegalStateException when the model is closed
         */
        public B model(LanguageModel model) {
            settings.model(model);
            return self();
        }

        /**
         * The name responses report and requests may name; default the model's ({@link dev.rill.ModelInfo#name()}:
         * the GGUF {@code general.name}, or a remote model's id), else the file name without {@code .gguf}.
         */
        public B modelName(String modelName) {
            settings.modelName(modelName);
            return self();
        }

        /**
         * The parameters every request starts from (a request's own override them): LangChain4j's
         * {@link ChatRequestParameters} or {@link RillChatRequestParameters}.
         *
         * @throws dev.langchain4j.exception.UnsupportedFeatureException for what Rill cannot honour (see
         *     {@link RillChatModel})
         * @throws IllegalArgumentException for a sampling value out of range
         */
        public B defaultRequestParameters(ChatRequestParameters parameters) {
            settings.defaultRequestParameters(parameters);
            return self();
        }

        /** Listeners notified around each request ({@code onRequest}, {@code onResponse}, {@code onError}). */
        public B listeners(List<ChatModelListener> listeners) {
            settings.listeners(listeners);
            return self();
        }
    }
}
