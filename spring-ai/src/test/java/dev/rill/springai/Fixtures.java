package dev.rill.springai;

import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;

/**
 * The rigged plus-one model with ChatML, written once per JVM: every reply is "abcdefg..." until a limit, so
 * replies are known exactly.
 */
final class Fixtures {
    static final RiggedModel PLUS_ONE_CHAT = TestModels.plusOne().withChatTemplate(LlamaModel.CHATML_TEMPLATE);

    private Fixtures() {
    }

    static Path file() {
        return ModelFiles.file("plus-one-chat.gguf", PLUS_ONE_CHAT::write);
    }
}
