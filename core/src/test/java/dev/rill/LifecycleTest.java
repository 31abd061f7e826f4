package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LifecycleTest {

    @Test
    void closingWhileGeneratingEndsTheGenerationWithModelClosed() throws Exception {
        Model model = RiggedFiles.loadPlusOne();
        CountDownLatch started = new CountDownLatch(1);
        Generation running = model.submit(GenerationRequest.builder("abc").maxTokens(250).build(),
                (token, g) -> started.countDown());
        Generation queued = model.submit(GenerationRequest.builder("abc").maxTokens(250).build(), TokenCallback.ignore());
        assertTrue(started.await(10, TimeUnit.SECONDS));
        model.close();
        GenerationResult result = running.result().get(10, TimeUnit.SECONDS);
        assertTrue(result.finishReason() == FinishReason.MODEL_CLOSED || result.finishReason() == FinishReason.MAX_TOKENS,
                result.finishReason().toString());
        assertEquals(FinishReason.MODEL_CLOSED, queued.result().get(10, TimeUnit.SECONDS).finishReason());
    }

    @Test
    void everyCallAfterCloseIsAClearError() {
        Model model = RiggedFiles.loadPlusOne();
        model.close();
        model.close(); // idempotent
        var generate = assertThrows(IllegalStateException.class, () -> model.generate("abc", TokenCallback.ignore()));
        assertTrue(generate.getMessage().contains("is closed"), generate.getMessage());
        assertThrows(IllegalStateException.class, () -> model.tokenize("abc"));
        assertThrows(IllegalStateException.class, () -> model.detokenize(5));
        assertThrows(IllegalStateException.class,
                () -> model.applyChatTemplate("chatml", java.util.List.of(ChatMessage.user("x")), true));
    }

    @Test
    void closingFromInsideACallbackEndsThatGenerationAndFreesTheModel() {
        Model model = RiggedFiles.loadPlusOne();
        GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(100).build(),
                (token, generation) -> {
                    if (token.index() == 2) {
                        model.close();
                    }
                });
        assertEquals(FinishReason.MODEL_CLOSED, result.finishReason());
        assertEquals(3, result.generatedTokens());
        assertThrows(IllegalStateException.class, () -> model.generate("abc", TokenCallback.ignore()));
    }

    @Test
    void manyModelsOpenAndCloseCleanly() {
        for (int i = 0; i < 20; i++) {
            try (Model model = RiggedFiles.loadPlusOne()) {
                assertEquals("defg", model.generate(GenerationRequest.builder("abc").maxTokens(4).build(),
                        TokenCallback.ignore()).text());
            }
        }
    }

    @Test
    void closingAndLoadingInALoopKeepsOneEngineThread() {
        // A second engine thread means a second OpenMP team on the same cores, which slows every decode.
        java.util.Set<Thread> engineThreads = new java.util.HashSet<>();
        for (int i = 0; i < 30; i++) {
            try (Model model = Model.load(RiggedFiles.plusOne(),
                    ModelOptions.builder().contextSize(256).threads(2).build())) {
                model.generate(GenerationRequest.builder("abc").maxTokens(2).build(),
                        (token, generation) -> engineThreads.add(Thread.currentThread()));
            }
        }
        assertEquals(1, engineThreads.size(), engineThreads.toString());
    }
}
