package dev.rill.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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

    /**
     * Renders each message's content; the prompt ends in a newline, or in a tab when the last message is a tool's
     * result.
     */
    static final String TOOL_TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{% if messages[-1]['role'] == 'tool' %}{{ '\\t' }}{% else %}"
            + "{{ '\\n' }}{% endif %}{% endif %}";
    /**
     * A model that calls a tool with the city Munich, then answers: after the prompt's newline it writes
     * {@code {"} and, wherever a string value is free, "Munich" (the call's grammar, Rill's generic JSON format,
     * writes the rest: the first tool's name, the keys, the braces), and ends after the call's last brace. After a
     * tool's result (the prompt's tab) it answers "SUN" and ends.
     */
    static final RiggedModel CALLS_TOOL = TestModels.transition(transitions(
            "\n{", "{\"", "\"M", "Mu", "un", "ni", "ic", "ch", "h\"", "\tS", "SU", "UN")).withChatTemplate(TOOL_TEMPLATE);
    /** The chat template of {@link #THINKS}: the prompt opens the model's thinking. */
    static final String THINKING_TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ '<think>\\n' }}";
    /** The plus-one model thinking: the prompt opens {@code <think>}, the model counts "abcd..." until stopped. */
    static final RiggedModel THINKS = TestModels.plusOne().withChatTemplate(THINKING_TEMPLATE);

    private Fixtures() {
    }

    private static Map<Integer, Integer> transitions(String... pairs) {
        Map<Integer, Integer> next = new HashMap<>();
        for (String pair : pairs) {
            next.put(Vocabulary.byteToken(pair.charAt(0)), Vocabulary.byteToken(pair.charAt(1)));
        }
        return next;
    }

    /** {@link #CALLS_TOOL}, 2 slots of 1024 cells, one thread. */
    static Model callsTool() {
        return Model.load(ModelFiles.file("calls-tool-chat.gguf", CALLS_TOOL::write),
                ModelOptions.builder().contextSize(2048).parallelSequences(2).threads(1).build());
    }

    /** {@link #THINKS}, 2 slots of 1024 cells, one thread. */
    static Model thinks() {
        return Model.load(ModelFiles.file("thinking-chat.gguf", THINKS::write),
                ModelOptions.builder().contextSize(2048).parallelSequences(2).threads(1).build());
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
