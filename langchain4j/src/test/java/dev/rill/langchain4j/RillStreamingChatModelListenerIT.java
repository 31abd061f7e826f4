package dev.rill.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelListenerIT;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.rill.Model;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/** LangChain4j's listener suite for streaming chat models, every case, on the rigged plus-one model. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RillStreamingChatModelListenerIT extends AbstractStreamingChatModelListenerIT {
    private final Model model = Fixtures.plusOneChat();

    @AfterAll
    void close() {
        model.close();
    }

    @Override
    protected StreamingChatModel createModel(ChatModelListener listener) {
        return RillStreamingChatModel.builder().model(model).listeners(List.of(listener))
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
    protected StreamingChatModel createFailingModel(ChatModelListener listener) {
        Model closing = Fixtures.plusOneChat();
        StreamingChatModel chat = RillStreamingChatModel.builder().model(closing).listeners(List.of(listener)).build();
        closing.close();
        return chat;
    }

    @Override
    protected Class<? extends Exception> expectedExceptionClass() {
        return IllegalStateException.class;
    }
}
