package dev.rill.testkit;

import dev.rill.gguf.GgmlType;
import dev.rill.gguf.GgufFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RandomModelTest {
    @TempDir
    Path dir;

    @Test
    void tensorShapesFollowTheLlamaLayout() {
        LlamaHyperparameters shape = new LlamaHyperparameters(512, 64, 2, 96, 4, 2, 1e-5f);
        LlamaModel model = TestModels.randomWeights("gqa", 300, shape, GgmlType.F16, 1);

        List<LlamaModel.TensorShape> shapes = model.tensorShapes();
        assertEquals(2 + 2 * 9 + 1, shapes.size());
        assertShape(shapes.getFirst(), "token_embd.weight", 64, 300);
        assertShape(shapes.get(3), "blk.0.attn_k.weight", 64, 32);
        assertShape(shapes.get(4), "blk.0.attn_v.weight", 64, 32);
        assertShape(shapes.get(5), "blk.0.attn_output.weight", 64, 64);
        assertShape(shapes.get(7), "blk.0.ffn_gate.weight", 64, 96);
        assertShape(shapes.get(9), "blk.0.ffn_down.weight", 96, 64);
        assertShape(shapes.get(10), "blk.1.attn_norm.weight", 64);
        assertShape(shapes.getLast(), "output.weight", 64, 300);
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        LlamaHyperparameters shape = LlamaHyperparameters.of(64, 2, 4, 128);
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        TestModels.randomWeights("r", 1000, shape, GgmlType.Q8_0, 7).write(a);
        TestModels.randomWeights("r", 1000, shape, GgmlType.Q8_0, 7).write(b);
        TestModels.randomWeights("r", 1000, shape, GgmlType.Q8_0, 8).write(c);

        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertFalse(Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));
        GgufFile gguf = GgufFile.read(a);
        assertEquals(7, gguf.value("general.file_type").asLong());
        assertEquals(GgmlType.Q8_0, gguf.tensor("blk.1.ffn_down.weight").type());
        assertEquals(GgmlType.F32, gguf.tensor("blk.1.ffn_norm.weight").type());
        float[] q = gguf.readFloats("blk.0.attn_q.weight");
        double sumSquares = 0;
        for (float v : q) {
            assertTrue(Float.isFinite(v));
            sumSquares += v * v;
        }
        assertEquals(TestModels.RANDOM_WEIGHT_STD, Math.sqrt(sumSquares / q.length), 0.002);
        for (float v : gguf.readFloats("output_norm.weight")) {
            assertEquals(1f, v);
        }
    }

    @Test
    void vocabularyIsPaddedWithUniqueWords() {
        Vocabulary vocabulary = Vocabulary.bytesAndWords(128_256);

        assertEquals(128_256, vocabulary.size());
        assertEquals("\u2581a", vocabulary.tokens().get(259).text());
        assertEquals("\u2581aa", vocabulary.tokens().get(259 + 26).text());
        assertEquals(Vocabulary.TokenType.NORMAL, vocabulary.tokens().getLast().type());
        HashSet<String> texts = new HashSet<>();
        vocabulary.tokens().forEach(token -> texts.add(token.text()));
        assertEquals(128_256, texts.size());
        assertThrows(IllegalArgumentException.class, () -> Vocabulary.bytesAndWords(100));
        assertThrows(IllegalArgumentException.class, () -> new Vocabulary(List.of(
                new Vocabulary.Token("a", 0, Vocabulary.TokenType.NORMAL),
                new Vocabulary.Token("a", 0, Vocabulary.TokenType.NORMAL)), 0, 0, 0, true));
    }

    @Test
    void hyperparametersAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> LlamaHyperparameters.of(100, 1, 3, 64));
        assertThrows(IllegalArgumentException.class, () -> LlamaHyperparameters.of(60, 1, 4, 64), "odd head size");
        assertThrows(IllegalArgumentException.class,
                () -> new LlamaHyperparameters(64, 64, 1, 64, 4, 3, 1e-5f));
        IllegalArgumentException q8 = assertThrows(IllegalArgumentException.class, () -> TestModels.randomWeights(
                "q", 300, LlamaHyperparameters.of(64, 1, 4, 100), GgmlType.Q8_0, 1).write(dir.resolve("q.gguf")));
        assertTrue(q8.getMessage().contains("multiple of 32"), q8.getMessage());
    }

    private static void assertShape(LlamaModel.TensorShape shape, String name, long... dims) {
        assertEquals(name, shape.name());
        assertArrayEquals(dims, shape.dims());
    }
}
