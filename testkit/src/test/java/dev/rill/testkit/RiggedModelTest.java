package dev.rill.testkit;

import dev.rill.gguf.GgufValue;
import dev.rill.gguf.GgufFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RiggedModelTest {
    private static final int E = TestModels.RIGGED_SHAPE.embeddingLength();
    private static final int V = Vocabulary.BYTE_VOCABULARY_SIZE;

    @TempDir
    Path dir;

    @Test
    void plusOneCountsThroughPrintableAscii() {
        RiggedModel plusOne = TestModels.plusOne();

        assertEquals("defgh", plusOne.expectedText("abc", 5));
        assertEquals("~ !\"#", plusOne.expectedText("xyz}", 5));
        assertEquals("abc", plusOne.expectedText("<|im_start|>assistant\n", 3));
        assertEquals("abc", plusOne.expectedText("", 3));
        assertEquals("cd", plusOne.expectedText("a b", 2), "a space ends in byte 0x81, followed by 'a'");
        assertEquals(List.of(1, 100, 229, 153, 132, 101), plusOne.promptTokens("a b"));
        assertEquals(0.99997, plusOne.topProbability(), 1e-5);
        assertEquals("egikm", TestModels.plusTwo().expectedText("abc", 5));
    }

    @Test
    void utf8EmitsSplitCharactersThenEndOfSequence() {
        RiggedModel utf8 = TestModels.utf8();

        assertEquals("\u00e9\u20ac\uD83D\uDE00", utf8.expectedText("x", 50));
        List<Integer> tokens = utf8.expectedTokens("x", 50);
        assertEquals(10, tokens.size());
        assertEquals(Vocabulary.EOS, tokens.getLast());
        assertEquals(List.of(Vocabulary.EOS), utf8.expectedTokens("abc", 50));
    }

    @Test
    void transitionFollowsTheMapAndEndsElsewhere() {
        int h = Vocabulary.byteToken('h');
        int i = Vocabulary.byteToken('i');
        RiggedModel model = TestModels.transition(Map.of(Vocabulary.BOS, h, h, i), 4f);

        assertEquals(List.of(h, i, Vocabulary.EOS), model.expectedTokens("", 10));
        assertEquals(1 / (1 + 258 * Math.exp(-4)), model.topProbability(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> TestModels.transition(Map.of(h, 259)));
        assertThrows(IllegalArgumentException.class, () -> TestModels.chain("abca"));
    }

    @Test
    void writtenWeightsGiveTheDesignedLogits() throws IOException {
        for (RiggedModel model : List.of(TestModels.plusOne(), TestModels.utf8(),
                TestModels.transition(Map.of(5, 7), 3f))) {
            Path file = dir.resolve(model.model().name() + ".gguf");
            model.write(file);
            GgufFile gguf = GgufFile.read(file);
            for (GgufFile.TensorInfo tensor : gguf.tensors()) {
                if (tensor.name().startsWith("blk.0.attn_") && !tensor.name().endsWith("norm.weight")
                        || tensor.name().startsWith("blk.0.ffn_") && !tensor.name().endsWith("norm.weight")) {
                    for (float value : gguf.readFloats(tensor.name())) {
                        assertEquals(0f, value, tensor.name());
                    }
                }
            }
            float[] embeddings = gguf.readFloats("token_embd.weight");
            float[] output = gguf.readFloats("output.weight");
            for (int token = 0; token < V; token++) {
                float[] hidden = rmsNorm(Arrays.copyOfRange(embeddings, token * E, (token + 1) * E));
                float[] logits = matVec(output, hidden, V, E);
                int best = argmax(logits);
                assertEquals(model.next(token), best, "successor of " + token);
                assertEquals(model.topLogit(), logits[best], 1e-4);
                for (int other = 0; other < V; other++) {
                    if (other != best) {
                        assertEquals(0f, logits[other]);
                    }
                }
            }
        }
    }

    @Test
    void plusOneMetadataMatchesWhatLlamaCppReads() throws IOException {
        Path file = dir.resolve("plus-one.gguf");
        TestModels.plusOne().withChatTemplate(LlamaModel.CHATML_TEMPLATE).write(file);
        GgufFile gguf = GgufFile.read(file);

        assertEquals("llama", gguf.value("general.architecture").asString());
        assertEquals("rigged-plus-one", gguf.value("general.name").asString());
        for (String key : List.of("llama.context_length", "llama.embedding_length", "llama.block_count",
                "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
                "llama.rope.dimension_count", "llama.vocab_size", "tokenizer.ggml.bos_token_id",
                "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id")) {
            assertEquals(GgufValue.Type.UINT32, gguf.value(key).type(), key);
        }
        assertEquals(72, gguf.value("llama.rope.dimension_count").asLong());
        assertEquals(V, gguf.value("llama.vocab_size").asLong());
        assertEquals(GgufValue.Type.FLOAT32, gguf.value("llama.attention.layer_norm_rms_epsilon").type());
        assertEquals("llama", gguf.value("tokenizer.ggml.model").asString());
        List<Object> tokens = gguf.value("tokenizer.ggml.tokens").asList();
        assertEquals(List.of("<unk>", "<s>", "</s>", "<0x00>"), tokens.subList(0, 4));
        assertEquals("<0x0A>", tokens.get(Vocabulary.byteToken('\n')));
        assertEquals("<0xFF>", tokens.getLast());
        GgufValue types = gguf.value("tokenizer.ggml.token_type");
        assertEquals(GgufValue.Type.INT32, ((GgufValue.Array) types).elementType());
        assertEquals(List.of(2, 3, 3, 6), types.asList().subList(0, 4));
        assertEquals(GgufValue.Type.FLOAT32, ((GgufValue.Array) gguf.value("tokenizer.ggml.scores")).elementType());
        assertTrue(gguf.value("tokenizer.ggml.add_bos_token").asBoolean());
        assertEquals(false, gguf.value("tokenizer.ggml.add_eos_token").asBoolean());
        assertEquals(false, gguf.value("tokenizer.ggml.add_space_prefix").asBoolean());
        assertTrue(gguf.value("tokenizer.chat_template").asString().contains("<|im_start|>"));
    }

    @Test
    void plusTwoAdapterTurnsPlusOneIntoPlusTwo() throws IOException {
        Path base = dir.resolve("plus-one.gguf");
        Path adapterFile = dir.resolve("plus-two-lora.gguf");
        TestModels.plusOne().write(base);
        LoraAdapterFile adapter = TestModels.plusTwoAdapter();
        adapter.write(adapterFile);
        adapter.checkAgainst(GgufFile.read(base));

        GgufFile lora = GgufFile.read(adapterFile);
        assertEquals("adapter", lora.value("general.type").asString());
        assertEquals("lora", lora.value("adapter.type").asString());
        assertEquals("llama", lora.value("general.architecture").asString());
        assertEquals(95.0, lora.value("adapter.lora.alpha").asDouble());
        assertEquals(List.of(288L, 95L), lora.tensor("output.weight.lora_a").dims());
        assertEquals(List.of(95L, 259L), lora.tensor("output.weight.lora_b").dims());

        // W x + (alpha / rank) B (A x), as llama.cpp computes it, at scale 1
        float[] w = GgufFile.read(base).readFloats("output.weight");
        float[] a = lora.readFloats("output.weight.lora_a");
        float[] b = lora.readFloats("output.weight.lora_b");
        float[] embeddings = GgufFile.read(base).readFloats("token_embd.weight");
        RiggedModel plusTwo = TestModels.plusTwo();
        for (int token = 0; token < V; token++) {
            float[] hidden = rmsNorm(Arrays.copyOfRange(embeddings, token * E, (token + 1) * E));
            float[] logits = matVec(w, hidden, V, E);
            float[] update = matVec(b, matVec(a, hidden, 95, E), V, 95);
            for (int v = 0; v < V; v++) {
                logits[v] += update[v];
            }
            assertEquals(plusTwo.next(token), argmax(logits), "successor of " + token);
        }
    }

    @Test
    void adapterTargetsAreChecked() throws IOException {
        Path base = dir.resolve("plus-one.gguf");
        TestModels.plusOne().write(base);
        LoraAdapterFile wrongShape = new LoraAdapterFile("x", 1f, List.of(
                new LoraAdapterFile.Target("output.weight", new float[1][100], new float[259][1])));
        LoraAdapterFile missing = new LoraAdapterFile("x", 1f, List.of(
                new LoraAdapterFile.Target("blk.7.attn_q.weight", new float[1][288], new float[288][1])));

        assertThrows(IllegalArgumentException.class, () -> wrongShape.checkAgainst(GgufFile.read(base)));
        assertThrows(IllegalArgumentException.class, () -> missing.checkAgainst(GgufFile.read(base)));
        assertThrows(IllegalArgumentException.class,
                () -> new LoraAdapterFile.Target("output.weight", new float[2][288], new float[259][3]));
    }

    static float[] rmsNorm(float[] x) {
        double sum = 0;
        for (float v : x) {
            sum += v * v;
        }
        float scale = (float) (1 / Math.sqrt(sum / x.length + TestModels.RIGGED_SHAPE.rmsNormEpsilon()));
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale;
        }
        return y;
    }

    /** {@code rows} outputs of a ggml matrix with rows of {@code width} values. */
    static float[] matVec(float[] matrix, float[] x, int rows, int width) {
        float[] y = new float[rows];
        for (int r = 0; r < rows; r++) {
            float sum = 0;
            for (int c = 0; c < width; c++) {
                sum += matrix[r * width + c] * x[c];
            }
            y[r] = sum;
        }
        return y;
    }

    static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
