package dev.rill.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;

/**
 * Rigged models for the LangChain4j tests, written once per JVM ({@link ModelFiles}).
 *
 * <p>{@link #PLUS_ONE_CHAT} renders conversations with ChatML, whose prompt ends in a newline, so every reply
 * is "abcdefgh..." (one letter per token) until a limit: the reply to any conversation is known exactly.
 */
final class Fixtures {
    static final RiggedModel PLUS_ONE_CHAT = TestModels.plusOne().withChatTemplate(LlamaModel.CHATML_TEMPLATE);
    /** The name the rigged file carries ({@code general.name}), which chat models report by default. */
    static final String MODEL_NAME = PLUS_ONE_CHAT.model().name();

    private Fixtures() {
    }

    /** The plus-one model with ChatML: 4 slots of 512 cells, one thread. */
    static Model plusOneChat() {
        return Model.load(file(), ModelOptions.builder().contextSize(2048).parallelSequences(4).threads(1).build());
    }

    static Path file() {
        return ModelFiles.file("plus-one-chat.gguf", PLUS_ONE_CHAT::write);
    }

    static RillChatModel chatModel(Model model, ChatRequestParameters defaults) {
        return RillChatModel.builder().model(model).defaultRequestParameters(defaults).build();
    }

    static RillStreamingChatModel streamingModel(Model model, ChatRequestParameters defaults) {
        return RillStreamingChatModel.builder().model(model).defaultRequestParameters(defaults).build();
    }
}
