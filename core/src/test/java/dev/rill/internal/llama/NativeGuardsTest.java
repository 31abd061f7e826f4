package dev.rill.internal.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.KvCacheType;
import dev.rill.ModelOptions;
import dev.rill.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each input that would end the process inside llama.cpp b4916 is refused in Java first. */
class NativeGuardsTest {
    private static Path file;
    private static LlamaModelHandle model;

    @BeforeAll
    static void load() throws IOException {
        file = Files.createTempFile("rill-guards-", ".gguf");
        TestModels.plusOne().write(file);
        model = LlamaModelHandle.load(file, ModelOptions.defaults());
    }

    @AfterAll
    static void close() throws IOException {
        model.close();
        Files.deleteIfExists(file);
    }

    private static LlamaContextHandle context(int batchSize) {
        return LlamaContextHandle.create(model, new LlamaContextHandle.Config(256, batchSize, 1, 1, 1, false, KvCacheType.F16));
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

    @Test
    void flashAttentionWithAnF32CacheNeverReachesLlamaCpp() {
        var error = assertThrows(IllegalArgumentException.class, () -> LlamaContextHandle.create(model,
                new LlamaContextHandle.Config(64, 8, 1, 1, 1, true, KvCacheType.F32)));
        assertTrue(error.getMessage().contains("F32"), error.getMessage());
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
            assertThrows(dev.rill.RillException.class, () -> context.logits(0));
            // Token 6 is a control byte, which the rigged model follows with 'a'.
            assertEquals(16f, context.logits(1).getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 3 + 'a'), 1e-3f);
        }
    }
}
