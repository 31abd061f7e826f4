package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.BertModel;
import dev.rill.testkit.BertModel.Encoder;
import dev.rill.testkit.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The encoders beside BERT (random weights from the test kit): nomic-bert (rotary positions, fused QKV, gated
 * SiLU feed-forward) and jina-bert-v2 (ALiBi, GEGLU) embed through llama.cpp with their metadata's pooling,
 * pooled vectors match a Java reference from their token vectors, a text's vector does not depend on its batch,
 * and attention runs both ways.
 */
class EncoderArchitecturesTest {
    private static final float TOLERANCE = 1e-3f;
    private static final List<String> TEXTS = List.of("hello world", "a", "the quick brown fox", "vectors");

    private static Model load(Encoder architecture) {
        Path file = ModelFiles.file(architecture.ggufName() + "-mean.gguf", BertModel.tiny(architecture, 1, 9)::write);
        return Model.load(file, RiggedFiles.smallOptions().build());
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, what + ", element " + i);
        }
    }

    private static Embedder embedder(Model model, Pooling pooling, int batchSize) {
        return model.embedder(EmbeddingOptions.builder().pooling(pooling).batchSize(batchSize).build());
    }

    @ParameterizedTest
    @EnumSource(value = Encoder.class, names = {"NOMIC_BERT", "JINA_BERT_V2"})
    void meanFromTheMetadataClsAndLastMatchTheTokenVectors(Encoder architecture) {
        try (Model model = load(architecture);
             Embedder tokens = embedder(model, Pooling.NONE, 128);
             Embedder mean = model.embedder(EmbeddingOptions.builder().batchSize(128).build());
             Embedder cls = embedder(model, Pooling.CLS, 128);
             Embedder last = embedder(model, Pooling.LAST, 128)) {
            assertEquals(Pooling.MEAN, mean.pooling(), "the metadata's pooling is the default");
            assertEquals(128, mean.dimensions());
            List<float[][]> rows = tokens.embedTokens(TEXTS);
            float[][] means = mean.embed(TEXTS);
            float[][] firsts = cls.embed(TEXTS);
            float[][] lasts = last.embed(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                float[][] r = rows.get(t);
                float[] expected = new float[r[0].length];
                for (float[] row : r) {
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] += row[i] / r.length;
                    }
                }
                assertClose(expected, means[t], "mean, text " + t);
                assertClose(r[0], firsts[t], "CLS, text " + t);
                assertClose(r[r.length - 1], lasts[t], "last, text " + t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Encoder.class, names = {"NOMIC_BERT", "JINA_BERT_V2"})
    void aTextGetsTheSameVectorAloneAndInABatch(Encoder architecture) {
        try (Model model = load(architecture); Embedder mean = embedder(model, Pooling.MEAN, 32)) {
            float[][] together = mean.embed(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                assertClose(mean.embed(TEXTS.get(t)), together[t], "text " + t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Encoder.class, names = {"NOMIC_BERT", "JINA_BERT_V2"})
    void attentionRunsBothWaysAndPositionsCount(Encoder architecture) {
        try (Model model = load(architecture); Embedder tokens = embedder(model, Pooling.NONE, 64)) {
            List<float[][]> rows = tokens.embedTokens(List.of("abc", "abd", "ab ba", "ba ab"));
            assertTrue(maxDifference(rows.get(0)[0], rows.get(1)[0]) > TOLERANCE,
                    "the first token's vector depends on the last letter");
            // The same four tokens (a word start differs from a continuation) in another order: without
            // positions (rotary or ALiBi) the [CLS] vector would be the same.
            assertTrue(maxDifference(rows.get(2)[0], rows.get(3)[0]) > TOLERANCE, "the order of the tokens counts");
        }
    }

    private static float maxDifference(float[] a, float[] b) {
        float difference = 0;
        for (int i = 0; i < a.length; i++) {
            difference = Math.max(difference, Math.abs(a[i] - b[i]));
        }
        return difference;
    }
}
