package dev.rill.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.common.AbstractChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.rill.Model;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * LangChain4j's own chat-model suite on the rigged plus-one model, capability switches set to what
 * {@link RillChatModel} does. The cases in {@link #NOT_RUN} need a real instruct model and are skipped with
 * their reason.
 */
@ExtendWith(NotRunHere.class)
class RillChatModelIT extends AbstractChatModelIT {
    static final Map<String, String> NOT_RUN = SuiteCases.chat();

    private final Model model = Fixtures.plusOneChat();

    @AfterAll
    void close() {
        model.close();
    }

    @Override
    protected List<ChatModel> models() {
        return List.of(Fixtures.chatModel(model, DefaultChatRequestParameters.EMPTY));
    }

    @Override
    protected ChatModel createModelWith(ChatRequestParameters parameters) {
        return Fixtures.chatModel(model, parameters);
    }

    @Override
    protected ChatRequestParameters createIntegrationSpecificParameters(int maxOutputTokens) {
        return RillChatRequestParameters.builder().maxOutputTokens(maxOutputTokens).seed(7L).build();
    }

    @Override
    protected boolean supportsModelNameParameter() {
        return false;
    }

    @Override
    protected boolean supportsToolChoiceRequired() {
        return false;
    }

    @Override
    protected boolean supportsSingleImageInputAsBase64EncodedString() {
        return false;
    }

    @Override
    protected boolean supportsSingleImageInputAsPublicURL() {
        return false;
    }

    @Override
    protected Class<? extends ChatResponseMetadata> chatResponseMetadataType(ChatModel model) {
        return RillChatResponseMetadata.class;
    }
}
