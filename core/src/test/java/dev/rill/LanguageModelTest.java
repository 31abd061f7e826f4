package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A {@link Model} used only through the {@link LanguageModel} interface behaves as the model itself. */
class LanguageModelTest {

    @Test
    void generationThroughTheInterfaceStreamsTheRiggedContinuation() {
        try (LanguageModel model = RiggedFiles.loadPlusOne()) {
            StringBuilder text = new StringBuilder();
            GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(5).build(),
                    (token, generation) -> text.append(token.text()));
            assertEquals("defgh", text.toString());
            assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
            assertEquals(RiggedFiles.PLUS_ONE.model().name(), model.info().name().orElseThrow());
        }
    }

    @Test
    void submitWithDemandProducesNothingUntilDemandTurnsTrue() throws Exception {
        try (LanguageModel model = RiggedFiles.loadPlusOne()) {
            AtomicBoolean demand = new AtomicBoolean();
            StringBuilder text = new StringBuilder();
            Generation generation = model.submit(GenerationRequest.builder("abc").maxTokens(3).build(),
                    (token, g) -> text.append(token.text()), demand::get);
            assertThrows(java.util.concurrent.TimeoutException.class,
                    () -> generation.await(java.time.Duration.ofMillis(200)));
            assertEquals("", text.toString());
            demand.set(true);
            generation.demandChanged();
            assertEquals("def", generation.await().text());
        }
    }

    @Test
    void embedderThroughTheInterfaceGivesTheEmbeddersVectors() {
        try (Model model = RiggedFiles.loadPlusOne()) {
            LanguageModel asInterface = model;
            try (TextEmbedder viaInterface = asInterface.embedder();
                 Embedder direct = model.embedder()) {
                assertEquals(direct.dimensions(), viaInterface.dimensions());
                assertArrayEquals(direct.embed("hello"), viaInterface.embed("hello"));
                assertEquals(2, viaInterface.embed(List.of("a", "b")).length);
            }
        }
    }

    @Test
    void closeThroughTheInterfaceClosesTheModelAndItsEmbedders() {
        LanguageModel model = RiggedFiles.loadPlusOne();
        TextEmbedder embedder = model.embedder();
        assertFalse(model.isClosed());
        model.close();
        assertTrue(model.isClosed());
        assertTrue(embedder.isClosed());
        assertThrows(IllegalStateException.class, () -> model.generate("abc", TokenCallback.ignore()));
    }
}
