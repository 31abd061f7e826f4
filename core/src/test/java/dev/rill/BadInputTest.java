package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.sampling.Sampler;
import dev.rill.sampling.TokenChoice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BadInputTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = RiggedFiles.loadPlusOne();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void aMissingFileIsAClearError() {
        Path missing = Path.of("/nonexistent/model.gguf");
        var error = assertThrows(ModelLoadException.class, () -> Model.load(missing));
        assertEquals("Model file /nonexistent/model.gguf does not exist", error.getMessage());
        assertEquals(missing, error.path());
    }

    @Test
    void aFileThatIsNotGgufIsAClearError() throws IOException {
        Path text = RiggedFiles.newPath("notes.gguf");
        Files.writeString(text, "just some text, not a model");
        var error = assertThrows(ModelLoadException.class, () -> Model.load(text));
        assertTrue(error.getMessage().contains("is not a GGUF file"), error.getMessage());
    }

    @Test
    void aDirectoryIsAClearError() {
        var error = assertThrows(ModelLoadException.class, () -> Model.load(Path.of(System.getProperty("java.io.tmpdir"))));
        assertTrue(error.getMessage().contains("is not a regular file"), error.getMessage());
    }

    @Test
    void aTruncatedGgufSaysWhereItEnds() throws IOException {
        byte[] whole = Files.readAllBytes(RiggedFiles.plusOne());
        for (int length : new int[] {8, 30, 200, 5000, whole.length / 2, whole.length - 1}) {
            Path truncated = RiggedFiles.newPath("truncated-" + length + ".gguf");
            Files.write(truncated, java.util.Arrays.copyOf(whole, length));
            var error = assertThrows(ModelLoadException.class, () -> Model.load(truncated), "length " + length);
            assertTrue(error.getMessage().contains("is not a valid GGUF file"), error.getMessage());
            assertTrue(error.getMessage().contains("truncated") || error.getMessage().contains("fewer than"),
                    error.getMessage());
        }
    }

    @Test
    void aModelLlamaCppRefusesCarriesItsLogLines() throws IOException {
        // A well-formed GGUF that is not a model llama.cpp can load: a LoRA adapter file.
        Path adapter = RiggedFiles.newPath("adapter-as-model.gguf");
        dev.rill.testkit.TestModels.plusTwoAdapter().write(adapter);
        var error = assertThrows(ModelLoadException.class, () -> Model.load(adapter));
        assertTrue(error.getMessage().contains("llama.cpp could not load the model"), error.getMessage());
        assertTrue(error.getMessage().contains("llama.cpp said:"), error.getMessage());
    }

    @Test
    void aPromptLongerThanTheContextIsRejectedBeforeAnyWork() {
        String prompt = "a".repeat(300); // 301 tokens with <s>, context 256
        var error = assertThrows(PromptTooLongException.class, () -> model.generate(prompt, TokenCallback.ignore()));
        assertEquals(301, error.promptTokens());
        assertEquals(255, error.limit());
        assertEquals("def", model.generate(GenerationRequest.builder("abc").maxTokens(3).build(),
                TokenCallback.ignore()).text(), "the model is still usable");
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRejectedNotPassedToLlamaCpp() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> model.generate(GenerationRequest.builder(Prompt.tokens(1, 259)).build(), TokenCallback.ignore()));
        assertEquals("token id 259 is outside the vocabulary [0, 259)", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.detokenize(5, 100_000));
    }

    @Test
    void invalidRequestValuesFailInTheBuilder() {
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("abc").maxTokens(0));
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.builder("abc").maxTokens(-1));
    }

    @Test
    void aSamplerThatPicksATokenOutsideTheVocabularyFailsOnlyItsGeneration() {
        Sampler broken = seed -> logits -> new TokenChoice(1_000_000, 1f);
        var error = assertThrows(GenerationException.class, () -> model.generate(
                GenerationRequest.builder("abc").sampler(broken).build(), TokenCallback.ignore()));
        assertTrue(error.getMessage().contains("outside the vocabulary"), error.getMessage());
        assertEquals(FinishReason.ERROR, error.result().finishReason());
        assertEquals("def", model.generate(GenerationRequest.builder("abc").maxTokens(3).build(),
                TokenCallback.ignore()).text());
    }

    @Test
    void aSamplerThatThrowsFailsOnlyItsGeneration() {
        IllegalStateException boom = new IllegalStateException("boom");
        Sampler broken = seed -> logits -> {
            throw boom;
        };
        var error = assertThrows(GenerationException.class,
                () -> model.generate(GenerationRequest.builder("abc").sampler(broken).build(), TokenCallback.ignore()));
        assertSame(boom, error.getCause());
    }

    @Test
    void aCallbackThatThrowsStopsGenerationAndTheExceptionReachesTheCaller() {
        RuntimeException boom = new RuntimeException("callback failed");
        AtomicInteger calls = new AtomicInteger();
        var error = assertThrows(GenerationException.class, () -> model.generate(
                GenerationRequest.builder("abc").maxTokens(100).build(), (token, generation) -> {
                    if (calls.incrementAndGet() == 5) {
                        throw boom;
                    }
                }));
        assertSame(boom, error.getCause());
        assertEquals(5, calls.get(), "no token after the failure");
        assertEquals(FinishReason.ERROR, error.result().finishReason());
        assertEquals(5, error.result().generatedTokens());
    }

    @Test
    void aFailedGenerationFreesItsContextCells() {
        // Each generation below uses 50 of the 64 cells: if the failed one kept its cells, the next would not fit.
        try (Model small = Model.load(RiggedFiles.plusOne(), ModelOptions.builder().contextSize(64).threads(1).build())) {
            for (int i = 0; i < 3; i++) {
                AtomicInteger calls = new AtomicInteger();
                assertThrows(GenerationException.class, () -> small.generate(
                        GenerationRequest.builder("abc").maxTokens(60).build(), (token, generation) -> {
                            if (calls.incrementAndGet() == 46) {
                                throw new IllegalStateException("stop here");
                            }
                        }));
                GenerationResult next = small.generate(GenerationRequest.builder("abc").maxTokens(46).build(),
                        TokenCallback.ignore());
                assertEquals(FinishReason.MAX_TOKENS, next.finishReason());
            }
        }
    }

    @Test
    void generateFromInsideACallbackIsRefusedInsteadOfDeadlocking() {
        var error = assertThrows(GenerationException.class, () -> model.generate(
                GenerationRequest.builder("abc").maxTokens(2).build(),
                (token, generation) -> model.generate("abc", TokenCallback.ignore())));
        assertInstanceOf(IllegalStateException.class, error.getCause());
    }

    @Test
    void anUnsupportedChatTemplateIsAClearError() {
        var error = assertThrows(RillException.class, () -> model.applyChatTemplate("not-a-known-template",
                java.util.List.of(ChatMessage.user("hi")), true));
        assertTrue(error.getMessage().contains("does not support this chat template"), error.getMessage());
        var jinja = assertThrows(ChatTemplateException.class, () -> model.applyChatTemplate("{{ not a known template }}",
                java.util.List.of(ChatMessage.user("hi")), true));
        assertEquals(1, jinja.line());
    }
}
