package dev.rill.springai;

import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedModel;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The rigged plus-one model with ChatML, written once per JVM: every reply is "abcdefg..." until a limit, so
 * replies are known exactly.
 */
final class Fixtures {
    static final RiggedModel PLUS_ONE_CHAT = TestModels.plusOne().withChatTemplate(LlamaModel.CHATML_TEMPLATE);

    /**
     * Renders each message's content; the prompt ends in a newline, or in a tab when the last message is a tool's
     * result.
     */
    static final String TOOL_TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if add_generation_prompt %}{% if messages[-1]['role'] == 'tool' %}{{ '\\t' }}{% else %}"
            + "{{ '\\n' }}{% endif %}{% endif %}";
    /**
     * Calls a tool with the city "Munich" (after the prompt's newline it writes <code>{"</code>, then "Munich"
     * wherever the call's grammar leaves a string free) and answers "SUN" after a tool's result (the prompt's tab).
     */
    static final RiggedModel CALLS_TOOL = TestModels.transition(transitions(
            "\n{", "{\"", "\"M", "Mu", "un", "ni", "ic", "ch", "h\"", "\tS", "SU", "UN")).withChatTemplate(TOOL_TEMPLATE);
    /** The plus-one model whose prompt opens {@code <think>}: it thinks "abcd..." until a budget closes it. */
    static final RiggedModel THINKS = TestModels.plusOne().withChatTemplate(
            "{% for m in messages %}{{ m['content'] }}{% endfor %}{{ '<think>\\n' }}");

    private Fixtures() {
    }

    private static Map<Integer, Integer> transitions(String... pairs) {
        Map<Integer, Integer> next = new HashMap<>();
        for (String pair : pairs) {
            next.put(Vocabulary.byteToken(pair.charAt(0)), Vocabulary.byteToken(pair.charAt(1)));
        }
        return next;
    }

    static Path callsToolFile() {
        return ModelFiles.file("calls-tool-chat.gguf", CALLS_TOOL::write);
    }

    static Path thinksFile() {
        return ModelFiles.file("thinking-chat.gguf", THINKS::write);
    }

    static Path file() {
        return ModelFiles.file("plus-one-chat.gguf", PLUS_ONE_CHAT::write);
    }
}
