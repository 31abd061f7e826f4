package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;


import dev.rill.llama.LlamaProfile;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each input that would end the process inside llama.cpp (either release) is refused in Java first. */
class NativeGuardsTest {
    private static Path file;
    private static LlamaModelHandle model;

    @BeforeAll
    static void load() throws IOException {
        file = Files.createTempFile("rill-guards-", ".gguf");
        TestModels.plusOne().write(file);
        model = LlamaModelHandle.load(file, new LlamaModelHandle.Config(null, null, 0, true, false));
    }

    @AfterAll
    static void close() throws IOException {
        model.close();
        Files.deleteIfExists(file);
    }

    private static LlamaContextHandle context(int batchSize) {
        return LlamaContextHandle.create(model, new LlamaContextHandle.Config(256, batchSize, 1, 1, 1, false, CacheType.F16));
    }

    @Test
    void aTokenOutsideTheVocabularyNeverEntersABatch() {
        try (LlamaBatch batch = new LlamaBatch(8, model.vocabSize())) {
            var error = assertThrows(IllegalArgumentException.class, () -> batch.add(259, 0, 0, true));
            assertEquals("token id 259 is outside the vocabulary [0, 259)", error.getMessage());
            assertThrows(IllegalArgumentException.class, () -> batch.add(-1, 0, 0, true));
            assertEquals(0, batch.size());
        }
    }

    @Test
    void aBatchLargerThanTheContextsBatchSizeIsNeverDecoded() {
        // llama.cpp raises a small n_batch to its own minimum; the guard uses the value the context reports.
        try (LlamaContextHandle context = context(4);
             LlamaBatch batch = new LlamaBatch(context.batchSize() + 2, model.vocabSize())) {
            int tokens = context.batchSize() + 1;
            for (int i = 0; i < tokens; i++) {
                batch.add(3 + 'a', i, 0, i == tokens - 1);
            }
            var error = assertThrows(IllegalArgumentException.class, () -> context.decode(batch));
            assertEquals("batch of " + tokens + " tokens exceeds the context's batch size " + context.batchSize(),
                    error.getMessage());
            batch.clear();
            batch.add(3 + 'a', 0, 0, true);
            context.decode(batch); // the context is fine afterwards
        }
    }

    @Test
    void aBatchCannotGrowPastItsCapacity() {
        try (LlamaBatch batch = new LlamaBatch(2, model.vocabSize())) {
            batch.add(5, 0, 0, false);
            batch.add(6, 1, 0, true);
            assertThrows(IllegalStateException.class, () -> batch.add(7, 2, 0, true));
        }
    }

    /** b4916's CPU flash attention aborts on an F32 K cache; the current release decodes with it. */
    @Test
    void flashAttentionWithAnF32CacheNeverAbortsTheProcess() {
        var config = new LlamaContextHandle.Config(64, 8, 1, 1, 1, true, CacheType.F32);
        if (LlamaRuntime.runtime().profile() == LlamaProfile.B4916) {
            var error = assertThrows(IllegalArgumentException.class, () -> LlamaContextHandle.create(model, config));
            assertTrue(error.getMessage().contains("F32"), error.getMessage());
            return;
        }
        try (LlamaContextHandle context = LlamaContextHandle.create(model, config);
             LlamaBatch batch = new LlamaBatch(8, model.vocabSize())) {
            batch.add(3 + 'a', 0, 0, true);
            context.decode(batch);
            assertEquals(16f, context.logits(0).getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 3 + 'b'), 1e-2f);
        }
    }

    /** The current release aborts on a memory call with a sequence id outside [0, n_seq_max). */
    @Test
    void aSequenceIdOutsideTheContextNeverReachesTheCache() {
        try (LlamaContextHandle context = context(8)) {
            for (int sequence : new int[] {-1, 1, 256}) {
                var error = assertThrows(IllegalArgumentException.class, () -> context.removeFrom(sequence, 0));
                assertEquals("sequence " + sequence + " is outside [0, 1)", error.getMessage());
            }
            context.clearSequence(0); // the context is fine afterwards
        }
    }

    /** Both releases abort in llama_token_to_piece on an id outside the vocabulary. */
    @Test
    void aPieceOfATokenOutsideTheVocabularyIsAnErrorNotACrash() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var buffer = arena.allocate(64);
            for (int token : new int[] {-1, model.vocabSize(), Integer.MAX_VALUE}) {
                var error = assertThrows(IllegalArgumentException.class, () -> model.piece(buffer, token, false));
                assertEquals("token id " + token + " is outside the vocabulary [0, " + model.vocabSize() + ")",
                        error.getMessage());
            }
            assertEquals(1, model.piece(buffer, 3 + 'a', false).length);
        }
    }

    /**
     * A sequence whose next position does not follow its last one is refused by llama.cpp with an error code
     * (not an abort); the engine never sends one, and the binding reports it as a decode failure.
     */
    @Test
    void aPositionGapIsADecodeErrorNotACrash() {
        try (LlamaContextHandle context = context(8); LlamaBatch batch = new LlamaBatch(8, model.vocabSize())) {
            batch.add(3 + 'a', 0, 0, true);
            context.decode(batch);
            batch.clear();
            batch.add(3 + 'b', 5, 0, true);
            if (LlamaRuntime.runtime().profile() == LlamaProfile.CURRENT) {
                var error = assertThrows(DecodeException.class, () -> context.decode(batch));
                assertEquals(-1, error.code());
            }
        }
    }

    @Test
    void anEmptyBatchIsRefused() {
        try (LlamaContextHandle context = context(8); LlamaBatch batch = new LlamaBatch(8, model.vocabSize())) {
            assertThrows(IllegalArgumentException.class, () -> context.decode(batch));
        }
    }

    @Test
    void aClosedContextIsAnErrorNotACrash() {
        LlamaContextHandle context = context(8);
        context.close();
        context.close();
        try (LlamaBatch batch = new LlamaBatch(8, model.vocabSize())) {
            batch.add(5, 0, 0, true);
            assertThrows(IllegalStateException.class, () -> context.decode(batch));
            assertThrows(IllegalStateException.class, () -> context.logits(0));
            assertThrows(IllegalStateException.class, () -> context.clearSequence(0));
        }
    }

    @Test
    void logitsOfAnEntryThatAskedForNoneAreAnErrorNotACrash() {
        try (LlamaContextHandle context = context(8); LlamaBatch batch = new LlamaBatch(8, model.vocabSize())) {
            batch.add(5, 0, 0, false);
            batch.add(6, 1, 0, true);
            context.decode(batch);
            assertThrows(LlamaCallException.class, () -> context.logits(0));
            // Token 6 is a control byte, which the rigged model follows with 'a'.
            assertEquals(16f, context.logits(1).getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 3 + 'a'), 1e-3f);
        }
    }
}
