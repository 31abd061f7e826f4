package dev.rill.langchain4j.internal;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.rill.LanguageModel;
import dev.rill.ModelInfo;
import java.util.List;
import java.util.Objects;

/**
 * What a Rill chat model is configured with; shared by the blocking and the streaming one.
 *
 * @param model the model that generates
 * @param modelName the name reported in responses and accepted in requests
 * @param defaults the parameters every request starts from
 * @param listeners the listeners LangChain4j notifies around each request
 */
public record ChatSettings(LanguageModel model, String modelName, ChatRequestParameters defaults,
                           List<ChatModelListener> listeners) {

    /** Builds settings; each option may be set once and is checked when set. */
    public static final class Builder {
        private LanguageModel model;
        private String modelName;
        private ChatRequestParameters defaults;
        private List<ChatModelListener> listeners;

        public void model(LanguageModel model) {
            once(this.model, "model");
            Objects.requireNonNull(model, "model");
            if (model.isClosed()) {
                throw new IllegalStateException("the model " + model + " is closed");
            }
            this.model = model;
        }

        public void modelName(String modelName) {
            once(this.modelName, "modelName");
            Objects.requireNonNull(modelName, "modelName");
            if (modelName.isBlank()) {
                throw new IllegalArgumentException("modelName must not be blank");
            }
            this.modelName = modelName;
        }

        public void defaultRequestParameters(ChatRequestParameters parameters) {
            once(this.defaults, "defaultRequestParameters");
            this.defaults = Objects.requireNonNull(parameters, "defaultRequestParameters");
            String name = modelName != null ? modelName : model != null ? defaultName(model.info()) : null;
            ChatRequests.check(parameters, name != null ? name : parameters.modelName());
        }

        public void listeners(List<ChatModelListener> listeners) {
            once(this.listeners, "listeners");
            Objects.requireNonNull(listeners, "listeners");
            for (int i = 0; i < listeners.size(); i++) {
                Objects.requireNonNull(listeners.get(i), "listeners[" + i + "]");
            }
            this.listeners = List.copyOf(listeners);
        }

        public ChatSettings build() {
            if (model == null) {
                throw new IllegalStateException("model is not set");
            }
            String name = modelName != null ? modelName : defaultName(model.info());
            ChatRequestParameters parameters = defaults == null ? DefaultChatRequestParameters.EMPTY : defaults;
            ChatRequests.check(parameters, name);
            if (parameters.modelName() == null) {
                parameters = parameters.overrideWith(DefaultChatRequestParameters.builder().modelName(name).build());
            }
            return new ChatSettings(model, name, parameters, listeners == null ? List.of() : listeners);
        }

        private static String defaultName(ModelInfo info) {
            return info.name().filter(name -> !name.isBlank()).orElseGet(() -> {
                if (info.path() == null) {
                    return "rill-model"; // a remote model that names none
                }
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
