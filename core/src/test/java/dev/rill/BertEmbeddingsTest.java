package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.testkit.BertModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedEncoder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An encoder model (random-weight BERT from the test kit) embeds through {@code llama_encode}: its metadata's
 * pooling is the default, pooled vectors match a Java reference from its token vectors, and a text's vector
 * does not depend on its batch.
 */
class BertEmbeddingsTest {
    private static final float TOLERANCE = 1e-3f;
    private static final List<String> TEXTS = List.of("hello world", "a", "the quick brown fox", "vectors");

    private static Model model;
    private static Embedder tokens;

    @BeforeAll
    static void load() {
        Path file = ModelFiles.file("bert-cls.gguf", BertModel.tiny(2, 5)::write);
        model = Model.load(file, RiggedFiles.smallOptions().build());
        tokens = model.embedder(EmbeddingOptions.builder().pooling(Pooling.NONE).batchSize(128).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, what + ", element " + i);
        }
    }

    @Test
    void aBertTextIsClsItsWordPiecesAndSep() {
        int[] ids = model.tokenize("ab c");
        assertArrayEquals(new int[] {BertModel.CLS, 5, 31 + 1, 5 + 2, BertModel.SEP}, ids);
    }

    @Test
    void theModelsClsPoolingIsTheDefaultAndIsTheFirstTokensVector() {
        try (Embedder cls = model.embedder(EmbeddingOptions.builder().batchSize(128).build())) {
            assertEquals(Pooling.CLS, cls.pooling());
            float[][] vectors = cls.embed(TEXTS);
            List<float[][]> rows = tokens.embedTokens(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                assertClose(rows.get(t)[0], vectors[t], "text " + t);
            }
        }
    }

    @Test
    void meanAndLastPoolingMatchTheTokenVectors() {
        try (Embedder mean = model.embedder(EmbeddingOptions.builder().pooling(Pooling.MEAN).batchSize(128).build());
             Embedder last = model.embedder(EmbeddingOptions.builder().pooling(Pooling.LAST).batchSize(128).build())) {
            float[][] means = mean.embed(TEXTS);
            float[][] lasts = last.embed(TEXTS);
            List<float[][]> rows = tokens.embedTokens(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                float[][] r = rows.get(t);
                float[] expected = new float[r[0].length];
                for (float[] row : r) {
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] += row[i] / r.length;
                    }
                }
                assertClose(expected, means[t], "mean, text " + t);
                assertClose(r[r.length - 1], lasts[t], "last, text " + t);
            }
        }
    }

    @Test
    void aTextGetsTheSameVectorAloneAndInABatch() {
        try (Embedder cls = model.embedder(EmbeddingOptions.builder().batchSize(32).build())) {
            float[][] together = cls.embed(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                assertClose(cls.embed(TEXTS.get(t)), together[t], "text " + t);
            }
            // Non-causal: the whole text is one physical batch, so a longer one is refused, not passed to llama.cpp.
            TextTooLongException error = assertThrows(TextTooLongException.class,
                    () -> cls.embed("a text much longer than thirty two letters in all"));
            assertTrue(error.tokens() > 32, "a text of " + error.tokens() + " tokens");
        }
    }

    @Test
    void bidirectionalAttentionLetsTheFirstTokenSeeTheLast() {
        float[][] a = tokens.embedTokens(List.of("abc")).get(0);
        float[][] b = tokens.embedTokens(List.of("abd")).get(0);
        float difference = 0;
        for (int i = 0; i < a[0].length; i++) {
            difference = Math.max(difference, Math.abs(a[0][i] - b[0][i]));
        }
        assertTrue(difference > TOLERANCE, "the [CLS] vector depends on the last letter");
    }

    @Test
    void aRiggedEncodersVectorsAreTheLetterSharesKnownInAdvance() {
        List<String> texts = List.of("hello world", "a", "banana split", "zzz");
        Path file = ModelFiles.file("rigged-letter-shares.gguf", RiggedEncoder.letterShares(1)::write);
        RiggedEncoder rigged = RiggedEncoder.letterShares(1);
        try (Model letters = Model.load(file, RiggedFiles.smallOptions().build())) {
            for (Pooling pooling : List.of(Pooling.MEAN, Pooling.CLS, Pooling.LAST, Pooling.NONE)) {
                try (Embedder embedder = letters.embedder(
                        EmbeddingOptions.builder().pooling(pooling).batchSize(64).build())) {
                    for (int t = 0; t < texts.size(); t++) {
                        int[] ids = RiggedEncoder.tokens(texts.get(t));
                        assertArrayEquals(ids, letters.tokenize(texts.get(t)), "the test kit's tokens");
                        float[][] expected = rigged.tokenVectors(ids);
                        if (pooling == Pooling.NONE) {
                            float[][] rows = embedder.embedTokens(texts).get(t);
                            assertEquals(ids.length, rows.length);
                            for (int i = 0; i < rows.length; i++) {
                                assertClose(expected[i], rows[i], 1e-5f, "token " + i + " of text " + t);
                            }
                            continue;
                        }
                        float[] pooled = switch (pooling) {
                            case CLS -> expected[0];
                            case LAST -> expected[ids.length - 1];
                            default -> mean(expected);
                        };
                        assertClose(pooled, embedder.embed(texts).clone()[t], 1e-5f, pooling + ", text " + t);
                    }
                }
            }
        }
    }

    private static float[] mean(float[][] rows) {
        float[] mean = new float[rows[0].length];
        for (float[] row : rows) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += row[i] / rows.length;
            }
        }
        return mean;
    }

    private static void assertClose(float[] expected, float[] actual, float tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance, what + ", element " + i);
        }
    }
}
