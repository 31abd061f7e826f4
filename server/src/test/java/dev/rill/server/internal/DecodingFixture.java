package dev.rill.server.internal;

import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.adapters.AdapterRegistry;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;

/**
 * The endpoints of a server of the rigged plus-one model with the plus-two adapter registered, built without a
 * network, for tests of request decoding; one per JVM (loading per input would measure llama.cpp, not decoding).
 */
final class DecodingFixture {
    static final ServedModel SERVED = start();
    static final ChatCompletions CHAT;
    static final Completions COMPLETIONS;
    static final AnthropicMessages MESSAGES;
    static final Embeddings EMBEDDINGS = new Embeddings(SERVED);
    static final Reranking RERANKING = new Reranking(SERVED);

    static {
        GenerationRunner runner = new GenerationRunner(SERVED, new Lifecycle(), new ServerMetrics(SERVED.model(), SERVED.adapters()));
        CHAT = new ChatCompletions(SERVED, runner);
        COMPLETIONS = new Completions(SERVED, runner);
        MESSAGES = new AnthropicMessages(SERVED, runner);
    }

    private DecodingFixture() {
    }

    private static ServedModel start() {
        Model model = Model.load(ModelFiles.file("plus-one.gguf", TestModels.plusOne()::write),
                ModelOptions.builder().contextSize(256).threads(1).build());
        AdapterRegistry adapters = AdapterRegistry.create(model, 64L << 20);
        adapters.register("plus-two", ModelFiles.file("plus-two-lora.gguf", p -> TestModels.plusTwoAdapter().write(p)));
        return new ServedModel("plus-one", model, adapters);
    }
}
