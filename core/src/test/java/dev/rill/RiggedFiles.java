package dev.rill;

import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;

/** The rigged model files core's tests use, written once per JVM ({@link ModelFiles}), and small options. */
final class RiggedFiles {
    static final RiggedModel PLUS_ONE = TestModels.plusOne();
    static final RiggedModel UTF8 = TestModels.utf8();
    static final RiggedModel PLUS_ONE_CHAT = TestModels.plusOne().withChatTemplate(LlamaModel.CHATML_TEMPLATE);

    private RiggedFiles() {
    }

    static Path plusOne() {
        return file("plus-one.gguf", PLUS_ONE);
    }

    static Path utf8() {
        return file("utf8.gguf", UTF8);
    }

    static Path plusOneWithChatTemplate() {
        return file("plus-one-chat.gguf", PLUS_ONE_CHAT);
    }

    /** {@link #PLUS_ONE} with {@code template} as its {@code tokenizer.chat_template}, written once per name. */
    static Path plusOneWithChatTemplate(String name, String template) {
        return file(name, TestModels.plusOne().withChatTemplate(template));
    }

    /** A fresh path in the temporary folder, for files a test writes itself. */
    static Path newPath(String name) {
        return ModelFiles.newPath(name);
    }

    private static Path file(String name, RiggedModel model) {
        return ModelFiles.file(name, model::write);
    }

    /**
     * Small options that keep tests fast: a 256-cell context and one thread (the rigged models are tiny, and
     * llama.cpp's OpenMP threads slow down badly when other processes compete for the cores).
     */
    static ModelOptions.Builder smallOptions() {
        return smallOptions(256);
    }

    /** As {@link #smallOptions()} with another context size. */
    static ModelOptions.Builder smallOptions(int contextSize) {
        return ModelOptions.builder().contextSize(contextSize).threads(1);
    }

    static Model loadPlusOne() {
        return Model.load(plusOne(), smallOptions().build());
    }
}
