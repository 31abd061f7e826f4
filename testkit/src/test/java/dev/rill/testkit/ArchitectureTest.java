package dev.rill.testkit;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufFile;
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
    void qwen3AddsHeadSizedQueryAndKeyNormsAndNoBias() throws IOException {
        GgufFile file = write(TestModels.randomWeights(Architecture.QWEN3, Architecture.QWEN3.tinyShape(), 1));

        assertTensors(file, Map.of("token_embd.weight", dims(128, 259), "output_norm.weight", dims(128),
                "output.weight", dims(128, 259)), block(
                "attn_norm", dims(128), "attn_q", dims(128, 256), "attn_k", dims(128, 128),
                "attn_v", dims(128, 128), "attn_output", dims(256, 128), "attn_q_norm", dims(64),
                "attn_k_norm", dims(64), "ffn_norm", dims(128), "ffn_gate", dims(128, 256),
                "ffn_up", dims(128, 256), "ffn_down", dims(256, 128)));
        assertEquals(64, file.value("qwen3.attention.key_length").asLong());
        assertEquals(1_000_000f, file.value("qwen3.rope.freq_base").asDouble());
    }

    @Test
    void gemma3WritesItsWindowPatternPostNormsAndTiedEmbeddings() throws IOException {
        GgufFile file = write(TestModels.randomWeights(Architecture.GEMMA3, Architecture.GEMMA3.tinyShape(), 1));

        assertTensors(file, Map.of("token_embd.weight", dims(128, 259), "output_norm.weight", dims(128)), block(
                "attn_norm", dims(128), "attn_q", dims(128, 256), "attn_k", dims(128, 64), "attn_v", dims(128, 64),
                "attn_output", dims(256, 128), "post_attention_norm", dims(128), "attn_q_norm", dims(64),
                "attn_k_norm", dims(64), "ffn_norm", dims(128), "ffn_gate", dims(128, 256),
                "ffn_up", dims(128, 256), "ffn_down", dims(256, 128), "post_ffw_norm", dims(128)));
        assertEquals(32, file.value("gemma3.attention.sliding_window").asLong());
        assertEquals(2, file.value("gemma3.attention.sliding_window_pattern").asLong());
        assertEquals(10_000f, file.value("gemma3.rope.freq_base_swa").asDouble());
        assertEquals(1_000_000f, file.value("gemma3.rope.freq_base").asDouble());
        assertEquals(1, file.value("gemma3.attention.head_count_kv").asLong());
    }

    @Test
    void gemma3WithoutAWindowWritesNoWindowKeys() throws IOException {
        ModelShape global = Architecture.GEMMA3.tinyShape().toBuilder().slidingWindow(0, 0).build();
        GgufFile file = write(TestModels.randomWeights(Architecture.GEMMA3, global, 1));

        assertFalse(file.metadata().containsKey("gemma3.attention.sliding_window"));
        assertFalse(file.metadata().containsKey("gemma3.rope.freq_base_swa"));
    }

    @Test
    void phi3FusesQkvAndGateWithUpAndRotatesPartOfEachHead() throws IOException {
        GgufFile file = write(TestModels.randomWeights(Architecture.PHI3, Architecture.PHI3.tinyShape(), 1));

        assertTensors(file, Map.of("token_embd.weight", dims(128, 259), "output_norm.weight", dims(128),
                "output.weight", dims(128, 259)), block(
                "attn_norm", dims(128), "attn_qkv", dims(128, 128 + 2 * 64), "attn_output", dims(128, 128),
                "ffn_norm", dims(128), "ffn_up", dims(128, 2 * 256), "ffn_down", dims(256, 128)));
        assertEquals(24, file.value("phi3.rope.dimension_count").asLong());
        assertEquals(32, file.value("phi3.attention.key_length").asLong());
    }

    @Test
    void qwen3moeStacksExpertsBehindAnF32Router() throws IOException {
        GgufModel model = TestModels.randomWeights(Architecture.QWEN3MOE, Architecture.QWEN3MOE.tinyShape(), 1)
                .withWeightType(GgmlType.Q8_0);
        GgufFile file = write(model);

        assertTensors(file, Map.of("token_embd.weight", dims(128, 259), "output_norm.weight", dims(128),
                "output.weight", dims(128, 259)), block(
                "attn_norm", dims(128), "attn_q", dims(128, 256), "attn_k", dims(128, 128),
                "attn_v", dims(128, 128), "attn_output", dims(256, 128), "attn_q_norm", dims(64),
                "attn_k_norm", dims(64), "ffn_norm", dims(128), "ffn_gate_inp", dims(128, 4),
                "ffn_gate_exps", dims(128, 64, 4), "ffn_up_exps", dims(128, 64, 4),
                "ffn_down_exps", dims(64, 128, 4)));
        assertEquals(4, file.value("qwen3moe.expert_count").asLong());
        assertEquals(2, file.value("qwen3moe.expert_used_count").asLong());
        assertEquals(64, file.value("qwen3moe.expert_feed_forward_length").asLong());
        assertEquals(GgmlType.F32, file.tensor("blk.1.ffn_gate_inp.weight").type());
        assertEquals(GgmlType.Q8_0, file.tensor("blk.1.ffn_down_exps.weight").type());
        float[] router = file.readFloats("blk.0.ffn_gate_inp.weight");
        assertEquals(128 * 4, router.length);
        assertTrue(router[0] != 0f && router[0] != 1f, "the router holds random weights");
    }

    @Test
    void realisticShapesHaveThePublishedParameterCounts() {
        assertEquals(1_235_814_400L, parameters(Architecture.LLAMA), "Llama 3.2 1B");
        assertEquals(1_720_574_976L, parameters(Architecture.QWEN3), "Qwen3 1.7B, embeddings tied");
        assertEquals(999_885_952L, parameters(Architecture.GEMMA3), "Gemma 3 1B");
        assertEquals(3_821_079_552L, parameters(Architecture.PHI3), "Phi-3-mini");
        assertEquals(30_532_122_624L, parameters(Architecture.QWEN3MOE), "Qwen3 30B-A3B");
    }

    @Test
    void shapesLlamaCppCannotRunAreRefusedWithTheReason() {
        ModelShape partialRope = Architecture.QWEN3.tinyShape().toBuilder().ropeDimensionCount(32).build();
        IllegalArgumentException qwen3 = assertThrows(IllegalArgumentException.class,
                () -> TestModels.randomWeights(Architecture.QWEN3, partialRope, 1));
        assertTrue(qwen3.getMessage().contains("ropeDimensionCount 32 must equal headSize 64"), qwen3.getMessage());

        IllegalArgumentException phi3 = assertThrows(IllegalArgumentException.class,
                () -> TestModels.randomWeights(Architecture.PHI3, Architecture.QWEN3.tinyShape(), 1));
        assertTrue(phi3.getMessage().contains("headCount * headSize = embeddingLength"), phi3.getMessage());

        assertThrows(IllegalArgumentException.class,
                () -> TestModels.randomWeights(Architecture.LLAMA, Architecture.QWEN3MOE.tinyShape(), 1));
        assertThrows(IllegalArgumentException.class,
                () -> TestModels.randomWeights(Architecture.QWEN3MOE, Architecture.QWEN3.tinyShape(), 1));
        assertThrows(IllegalArgumentException.class,
                () -> TestModels.randomWeights(Architecture.QWEN3, Architecture.GEMMA3.tinyShape(), 1));
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
    void builderKeepsWhatIsNotSetAndRotatesWholeNewHeads() {
        ModelShape phi3 = Architecture.PHI3.tinyShape();
        ModelShape wider = phi3.toBuilder().embeddingLength(256).headSize(64).build();

        assertEquals(24, phi3.ropeDimensionCount());
        assertEquals(64, wider.ropeDimensionCount());
        assertEquals(phi3.headCount(), wider.headCount());
        assertEquals(phi3.feedForwardLength(), wider.feedForwardLength());
        assertEquals(2, phi3.toBuilder().blockCount(2).build().blockCount());
        ModelShape windowed = Architecture.LLAMA.tinyShape().toBuilder().slidingWindow(64, 4).build();
        assertEquals(ModelShape.DEFAULT_ROPE_FREQ_BASE_SWA, windowed.ropeFreqBaseSwa());
    }

    @Test
    void modelsNamedLikePhi3NeedItsEndOfTextToken() {
        GgufModel model = TestModels.randomWeights(Architecture.PHI3, Architecture.PHI3.tinyShape(), 1);

        IllegalArgumentException named = assertThrows(IllegalArgumentException.class, () -> new GgufModel(
                "tiny Phi-3", model.architecture(), model.shape(), model.vocabulary(), model.weightType(), null,
                model.weights()));
        assertTrue(named.getMessage().contains("<|endoftext|>"), named.getMessage());
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
