package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class EmbeddingOptionsTest {
    @Test
    void defaultsTakeTheModelsPoolingAndRefuseLongTexts() {
        EmbeddingOptions options = EmbeddingOptions.defaults();
        assertEquals(Optional.empty(), options.pooling());
        assertFalse(options.normalize());
        assertFalse(options.truncate());
        assertEquals(0, options.batchSize());
    }

    @Test
    void settersCheckAtOnceAndRefuseASecondValue() {
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingOptions.builder().batchSize(0));
        assertTrue(tooSmall.getMessage().contains("was 0"), tooSmall.getMessage());
        assertThrows(NullPointerException.class, () -> EmbeddingOptions.builder().pooling(null));
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> EmbeddingOptions.builder().pooling(Pooling.MEAN).pooling(Pooling.CLS));
        assertTrue(twice.getMessage().contains("pooling is already set to MEAN"), twice.getMessage());
        EmbeddingOptions options = EmbeddingOptions.builder().pooling(Pooling.LAST).normalize(true).batchSize(64)
                .truncate(true).build();
        assertEquals(Optional.of(Pooling.LAST), options.pooling());
        assertTrue(options.normalize() && options.truncate());
        assertEquals(64, options.batchSize());
    }

    @Test
    void normalizingKeepsAZeroVectorZero() {
        float[] zero = new float[3];
        Embedder.normalize(zero);
        assertEquals(0f, zero[0]);
        float[] v = {3, 4};
        Embedder.normalize(v);
        assertEquals(0.6f, v[0], 1e-6);
        assertEquals(0.8f, v[1], 1e-6);
    }
}
