package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reasoning on the rigged {@link TestModels#plusOne()} model (after a newline it writes "abcd...") behind a
 * template whose generation prompt opens a thinking block, as Qwen3's and DeepSeek R1's do.
 */
class ChatReasoningTest {
    /** Opens {@code <think>} unless {@code enable_thinking} is false, in which case it writes an empty block. */
    private static final String THINKING_TEMPLATE = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
            + "{% if enable_thinking is defined and not enable_thinking %}{{ '<think>\\n\\n</think>\\n\\n' }}"
            + "{% else %}{{ '<think>\\n' }}{% endif %}";

    private static Model load() {
        Path path = ModelFiles.file("chat-thinking.gguf", TestModels.plusOne().withChatTemplate(THINKING_TEMPLATE)::write);
        return Model.load(path, RiggedFiles.smallOptions().build());
    }

    @Test
    void thinkingStreamsOnItsOwnChannelAndTheBudgetClosesIt() {
        try (Model model = load()) {
            List<ChatToken> tokens = new ArrayList<>();
            // 5 thinking tokens, the 10 of "</think>\n\n" written for the model, then 4 of answer.
            ChatResult result = model.chat(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Q"))))
                    .reasoningBudget(5).maxTokens(19).build(), (token, generation) -> tokens.add(token));

            assertEquals("abcde</think>\n\nabcd", result.generation().text());
            assertEquals("abcde", result.reasoning());
            assertEquals("abcd", result.content());
            assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
            List<ChatChannel> channels = tokens.stream().map(ChatToken::channel).toList();
            assertEquals(List.of(ChatChannel.REASONING, ChatChannel.REASONING, ChatChannel.REASONING,
                    ChatChannel.REASONING, ChatChannel.REASONING), channels.subList(0, 5));
            assertEquals(List.of(ChatChannel.CONTENT, ChatChannel.CONTENT, ChatChannel.CONTENT, ChatChannel.CONTENT),
                    channels.subList(15, 19));
            assertTrue(channels.subList(5, 15).stream().allMatch(c -> c == ChatChannel.MARKUP
                    || c == ChatChannel.REASONING), "the closing marker is markup (held as possible reasoning "
                    + "until it is whole): " + channels);
            assertEquals(1f, tokens.get(5).token().probability(), "written for the model, not sampled");
            StringBuilder reasoning = new StringBuilder();
            StringBuilder content = new StringBuilder();
            tokens.forEach(t -> {
                reasoning.append(t.delta().reasoning());
                content.append(t.delta().content());
            });
            assertEquals("abcde", reasoning.toString());
            assertEquals("abcd", content.toString() + result.tail().content());
        }
    }

    @Test
    void aBudgetOfZeroTurnsThinkingOffForAnyTemplate() {
        try (Model model = load()) {
            ChatResult result = model.chat(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Q"))))
                    .reasoningBudget(0).maxTokens(13).build(), ChatCallback.ignore());
            assertEquals("</think>\n\nabc", result.generation().text());
            assertEquals("", result.reasoning());
            assertEquals("abc", result.content());
        }
    }

    @Test
    void withoutABudgetTheModelThinksOn() {
        try (Model model = load()) {
            ChatResult result = model.chat(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("Q"))))
                    .maxTokens(6).build(), ChatCallback.ignore());
            assertEquals("abcdef", result.reasoning());
            assertEquals("", result.content());
        }
    }

    @Test
    void enableThinkingFalseLeavesOnlyTheAnswer() {
        try (Model model = load()) {
            ChatResult result = model.chat(GenerationRequest.builder(Prompt.chatBuilder(List.of(ChatMessage.user("Q")))
                    .variable("enable_thinking", false).build()).maxTokens(4).build(), ChatCallback.ignore());
            assertEquals("abcd", result.content());
            assertEquals("", result.reasoning());
        }
    }
}
