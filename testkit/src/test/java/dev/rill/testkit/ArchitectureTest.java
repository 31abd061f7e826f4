package dev.rill.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pins down what each architecture writes against what llama.cpp's loader requires of it (the names and shapes of
 * its {@code create_tensor} calls and the hyperparameter keys it reads), by reading the files back.
 */
class ArchitectureTest {
    private static final List<String> COMMON_KEYS = List.of("context_length", "embedding_length", "block_count",
            "feed_forward_length", "attention.head_count", "attention.head_count_kv", "attention.key_length",
            "attention.value_length", "attention.layer_norm_rms_epsilon", "rope.dimension_count", "rope.freq_base");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void everyArchitectureWritesTheCommonKeysOfItsShape(Architecture architecture) throws IOException {
        ModelShape shape = architecture.tinyShape();
        GgufFile file = write(TestModels.randomWeights(architecture, shape, 1));
        String prefix = architecture.ggufName() + ".";

        assertEquals(architecture.ggufName(), file.value("general.architecture").asString());
        for (String key : COMMON_KEYS) {
            assertTrue(file.metadata().containsKey(prefix + key), prefix + key);
        }
        assertEquals(shape.embeddingLength(), file.value(prefix + "embedding_length").asLong());
        assertEquals(shape.blockCount(), file.value(prefix + "block_count").asLong());
        assertEquals(shape.headCount(), file.value(prefix + "attention.head_count").asLong());
        assertEquals(shape.headCountKv(), file.value(prefix + "attention.head_count_kv").asLong());
        assertEquals(shape.headSize(), file.value(prefix + "attention.key_length").asLong());
        assertEquals(shape.ropeDimensionCount(), file.value(prefix + "rope.dimension_count").asLong());
        assertEquals(shape.ropeFreqBase(), file.value(prefix + "rope.freq_base").asDouble());
        assertEquals("llama", file.value("tokenizer.ggml.model").asString());
        assertEquals(shape.vocabularySize(), file.value("tokenizer.ggml.tokens").asList().size());
        assertTrue(shape.headCountKv() < shape.headCount(), "every tiny shape uses grouped-query attention");
        for (GgufFile.TensorInfo tensor : file.tensors()) {
            if (tensor.dims().size() == 1) {
                assertEquals(GgmlType.F32, tensor.type(), tensor.name());
            }
        }
    }

    @Test
    void llamaHasSeparateProjectionsAndTheLlama3RopeBase() throws IOException {
        ModelShape shape = Architecture.LLAMA.tinyShape().toBuilder().vocabularySize(1000).build();
        GgufFile file = write(TestModels.randomWeights(Architecture.LLAMA, shape, 1));

        assertTensors(file, Map.of("token_embd.weight", dims(128, 1000), "output_norm.weight", dims(128),
                "output.weight", dims(128, 1000)), block(
                "attn_norm", dims(128), "attn_q", dims(128, 128), "attn_k", dims(128, 64), "attn_v", dims(128, 64),
                "attn_output", dims(128, 128), "ffn_norm", dims(128), "ffn_gate", dims(128, 256),
                "ffn_up", dims(128, 256), "ffn_down", dims(256, 128)));
        assertEquals(500_000f, file.value("llama.rope.freq_base").asDouble());
        assertEquals(1000, file.value("llama.vocab_size").asLong());
    }

    @Test
    void realisticShapesHaveThePublishedParameterCounts() {
        assertEquals(1_235_814_400L, parameters(Architecture.LLAMA), "Llama 3.2 1B");
    }

    @Test
    void builderChecksEachValueAndRefusesToSetOneTwice() {
        ModelShape.Builder builder = Architecture.LLAMA.tinyShape().toBuilder().blockCount(1);

        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> builder.blockCount(3));
        assertEquals("blockCount was already set to 1", twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.headCount(0));
        assertThrows(IllegalArgumentException.class, () -> builder.experts(4, 5, 64));
        assertThrows(IllegalArgumentException.class, () -> builder.ropeFreqBase(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> builder.headCountKv(3).build(), "4 heads, 3 KV heads");
    }

    @Test
    void llamaModelWritesTheLlamaArchitecture() throws IOException {
        LlamaModel plusOne = TestModels.plusOne().model();
        GgufFile file = write(plusOne.asGgufModel());

        assertEquals("llama", file.value("general.architecture").asString());
        assertEquals(plusOne.tensorShapes().size(), file.tensors().size());
        assertEquals(72, file.value("llama.attention.key_length").asLong());
        assertEquals(10_000f, file.value("llama.rope.freq_base").asDouble());
    }

    private GgufFile write(GgufModel model) throws IOException {
        Path path = dir.resolve(model.architecture().ggufName() + ".gguf");
        model.write(path);
        return GgufFile.read(path);
    }

    private static long parameters(Architecture architecture) {
        return TestModels.randomWeights(architecture, architecture.realisticShape(), 1).parameterCount();
    }

    /** Asserts the file holds exactly {@code global} and, in each of its 2 blocks, {@code block}. */
    private static void assertTensors(GgufFile file, Map<String, List<Long>> global, Map<String, List<Long>> block) {
        Map<String, List<Long>> expected = new LinkedHashMap<>(global);
        for (int n = 0; n < 2; n++) {
            for (Map.Entry<String, List<Long>> tensor : block.entrySet()) {
                expected.put("blk." + n + "." + tensor.getKey() + ".weight", tensor.getValue());
            }
        }
        Map<String, List<Long>> actual = new LinkedHashMap<>();
        file.tensors().forEach(tensor -> actual.put(tensor.name(), tensor.dims()));
        assertEquals(expected.keySet().stream().sorted().toList(), actual.keySet().stream().sorted().toList());
        assertEquals(expected, actual);
    }

    private static Map<String, List<Long>> block(Object... namesAndDims) {
        Map<String, List<Long>> block = new LinkedHashMap<>();
        for (int i = 0; i < namesAndDims.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<Long> dims = (List<Long>) namesAndDims[i + 1];
            block.put((String) namesAndDims[i], dims);
        }
        return block;
    }

    private static List<Long> dims(long... dims) {
        return Arrays.stream(dims).boxed().toList();
    }
}
