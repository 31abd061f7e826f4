package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelOptionsTest {

    @Test
    void defaultsNeverUseMoreThreadsThanProcessors() {
        ModelOptions options = ModelOptions.defaults();
        assertEquals(Runtime.getRuntime().availableProcessors(), options.threads());
        assertEquals(options.threads(), options.batchThreads());
        assertEquals(1, options.parallelSequences());
        assertEquals(512, options.batchSize());
        assertTrue(options.mmap());
        assertFalse(options.mlock());
        assertEquals(KvCacheType.F16, options.kvCacheType());
    }

    @Test
    void settersRejectOutOfRangeValuesNamingThem() {
        var error = assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().threads(0));
        assertEquals("threads must be in [1, 1024], was 0", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().contextSize(8));
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().batchSize(-1));
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().gpuLayers(-2));
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().parallelSequences(65));
    }

    @Test
    void settingAnOptionTwiceIsAnError() {
        var error = assertThrows(IllegalStateException.class, () -> ModelOptions.builder().threads(2).threads(3));
        assertEquals("threads was already set to 2", error.getMessage());
    }

    @Test
    void flashAttentionWithAnF32CacheIsRejectedBeforeLlamaCppCanAbort() {
        var builder = ModelOptions.builder().flashAttention(true).kvCacheType(KvCacheType.F32);
        var error = assertThrows(IllegalArgumentException.class, builder::build);
        assertTrue(error.getMessage().contains("F32"), error.getMessage());
    }

    @Test
    void aQuantizedCacheNeedsFlashAttention() {
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.builder().kvCacheType(KvCacheType.Q8_0).build());
    }

    @Test
    void tooSmallAContextPerSequenceIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> ModelOptions.builder().contextSize(64).parallelSequences(16).build());
    }

    @Test
    void readsEveryOptionFromJson() {
        ModelOptions options = ModelOptions.fromJson("""
                {"gpuLayers": 3, "mmap": false, "mlock": true, "contextSize": 2048, "batchSize": 128,
                 "threads": 2, "batchThreads": 1, "parallelSequences": 4, "queueCapacity": 9,
                 "flashAttention": true, "kvCacheType": "Q8_0", "libraryPath": "/opt/llama/libllama.so"}""");
        assertEquals(3, options.gpuLayers());
        assertFalse(options.mmap());
        assertTrue(options.mlock());
        assertEquals(2048, options.contextSize());
        assertEquals(128, options.batchSize());
        assertEquals(2, options.threads());
        assertEquals(1, options.batchThreads());
        assertEquals(4, options.parallelSequences());
        assertEquals(9, options.queueCapacity());
        assertTrue(options.flashAttention());
        assertEquals(KvCacheType.Q8_0, options.kvCacheType());
        assertEquals("/opt/llama/libllama.so", options.libraryPath().toString());
    }

    @Test
    void jsonRoundTrips() {
        ModelOptions options = ModelOptions.builder().contextSize(1024).threads(1).parallelSequences(2).build();
        assertEquals(options.toJson(), ModelOptions.fromJson(options.toJson()).toJson());
    }

    @Test
    void jsonErrorsNameTheField() {
        var unknown = assertThrows(IllegalArgumentException.class, () -> ModelOptions.fromJson("{\"treads\": 2}"));
        assertTrue(unknown.getMessage().contains("\"treads\""), unknown.getMessage());
        var invalid = assertThrows(IllegalArgumentException.class, () -> ModelOptions.fromJson("{\"threads\": -1}"));
        assertTrue(invalid.getMessage().contains("threads must be in [1, 1024], was -1"), invalid.getMessage());
        var wrongType = assertThrows(IllegalArgumentException.class, () -> ModelOptions.fromJson("{\"mmap\": \"yes\"}"));
        assertTrue(wrongType.getMessage().contains("expected true or false"), wrongType.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.fromJson("{\"kvCacheType\": \"F8\"}"));
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.fromJson("[1, 2]"));
        assertThrows(IllegalArgumentException.class, () -> ModelOptions.fromJson("{not json"));
    }
}
