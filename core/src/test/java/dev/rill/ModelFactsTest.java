package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.LlamaModel;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelFactsTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(RiggedFiles.plusOneWithChatTemplate(), RiggedFiles.smallOptions().parallelSequences(2).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void exposesTheModelsFacts() {
        ModelInfo info = model.info();
        assertEquals("llama", info.architecture());
        assertEquals(Vocabulary.BYTE_VOCABULARY_SIZE, info.vocabularySize());
        assertEquals(TestModels.RIGGED_SHAPE.contextLength(), info.trainingContextLength());
        assertEquals(TestModels.RIGGED_SHAPE.embeddingLength(), info.embeddingLength());
        assertEquals(1, info.layerCount());
        assertEquals(4, info.headCount());
        assertTrue(info.parameterCount() > 0);
        assertTrue(info.sizeBytes() > 0);
        assertEquals(new SpecialTokens(Vocabulary.BOS, Vocabulary.EOS, -1, Vocabulary.byteToken('\n'), -1),
                info.specialTokens());
        assertTrue(info.addsBos());
        assertEquals(LlamaModel.CHATML_TEMPLATE, info.chatTemplate().orElseThrow());
        assertEquals(256, info.contextSize());
        assertEquals(128, info.sequenceContextSize());
        assertTrue(info.description().startsWith("llama"), info.description());
    }

    @Test
    void tokenizesToBytesAfterTheBos() {
        assertArrayEquals(new int[] {Vocabulary.BOS, Vocabulary.byteToken('h'), Vocabulary.byteToken('i')},
                model.tokenize("hi"));
        assertArrayEquals(new int[] {Vocabulary.byteToken('h'), Vocabulary.byteToken('i')},
                model.tokenize("hi", false, false));
        assertArrayEquals(new int[] {Vocabulary.byteToken('x'), Vocabulary.EOS}, model.tokenize("x</s>", false, true));
    }

    @Test
    void detokenizeInvertsTokenizeIncludingMultiByteText() {
        for (String text : List.of("hello", "é€😀", "a\nb", "")) {
            assertEquals(text, model.detokenize(model.tokenize(text, false, false)));
        }
    }

    @Test
    void rendersTheModelsChatTemplate() {
        String rendered = model.applyChatTemplate(List.of(ChatMessage.system("be brief"), ChatMessage.user("hi")));
        assertEquals("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                rendered);
    }

    @Test
    void rendersANamedTemplateInsteadOfTheModels() {
        String rendered = model.applyChatTemplate("llama2", List.of(ChatMessage.user("hi")), false);
        assertTrue(rendered.contains("[INST]"), rendered);
    }

    @Test
    void aChatPromptGoesThroughTheTemplate() {
        // The rendered prompt ends with a newline, which the rigged model follows with 'a'.
        GenerationResult result = model.generate(GenerationRequest.builder(Prompt.chat(List.of(ChatMessage.user("hi"))))
                .maxTokens(5).build(), TokenCallback.ignore());
        assertEquals("abcde", result.text());
        String rendered = model.applyChatTemplate(List.of(ChatMessage.user("hi")));
        assertEquals(model.tokenize(rendered, true, true).length, result.promptTokens());
    }
}
