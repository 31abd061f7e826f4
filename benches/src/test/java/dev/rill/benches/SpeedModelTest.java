package dev.rill.benches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.Architecture;
import dev.rill.testkit.ModelShape;
import dev.rill.testkit.TestModels;
import org.junit.jupiter.api.Test;

/** The benchmark models' shape and names, without writing a model. */
class SpeedModelTest {
    @Test
    void tinyLlamaShapeIsTinyLlama11B() {
        ModelShape shape = SpeedModel.TINYLLAMA_SHAPE;
        assertEquals(32_000, shape.vocabularySize());
        assertEquals(2048, shape.embeddingLength());
        assertEquals(22, shape.blockCount());
        assertEquals(32, shape.headCount());
        assertEquals(4, shape.headCountKv());
        assertEquals(64, shape.headSize());
        assertEquals(5632, shape.feedForwardLength());
        long parameters = TestModels.randomWeights(Architecture.LLAMA, shape, SpeedModel.SEED).parameterCount();
        // TinyLlama 1.1B: 1,100,048,384 parameters.
        assertEquals(1_100_048_384L, parameters);
    }

    @Test
    void labelsNameTheModels() {
        assertEquals(SpeedModel.TINYLLAMA_Q8_0, SpeedModel.named("tinyllama-q8_0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpeedModel.named("tinyllama"));
        assertTrue(e.getMessage().contains("tinyllama-q4_0, tinyllama-q8_0, random32k-f16"), e.getMessage());
    }
}
