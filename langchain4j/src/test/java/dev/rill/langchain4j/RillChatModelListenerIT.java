package dev.rill.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.rill.Model;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/** LangChain4j's listener suite for chat models, every case, on the rigged plus-one model. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RillChatModelListenerIT extends AbstractChatModelListenerIT {
    private final Model model = Fixtures.plusOneChat();

    @AfterAll
    void close() {
        model.close();
    }

    @Override
    protected ChatModel createModel(ChatModelListener listener) {
        return RillChatModel.builder().model(model).listeners(List.of(listener))
                .defaultRequestParameters(RillChatRequestParameters.builder().temperature(temperature()).topP(topP())
                        .maxOutputTokens(maxTokens()).build())
                .build();
    }

    @Override
    protected String modelName() {
        return Fixtures.MODEL_NAME;
    }

    /** A chat model over a model closed after the chat model was built: every request fails. */
    @Override
    protected ChatModel createFailingModel(ChatModelListener listener) {
        Model closing = Fixtures.plusOneChat();
        ChatModel chat = RillChatModel.builder().model(closing).listeners(List.of(listener)).build();
        closing.close();
        return chat;
    }

    @Override
    protected Class<? extends Exception> expectedExceptionClass() {
        return IllegalStateException.class;
    }
}
