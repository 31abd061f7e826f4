package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.llama.LlamaProfile;
import dev.rill.testkit.Architecture;
import dev.rill.testkit.GgufModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Embeddings against the real library, on a random-weight Llama (a generation model used for embeddings, as
 * Qwen3-Embedding is): pooled vectors match a Java reference pooled from the same model's token vectors, and a
 * text's vector does not depend on what shares its batch.
 */
class EmbeddingsTest {
    /**
     * Rounding between evaluations of different batch shapes (llama.cpp picks other matrix kernels for larger
     * batches; measured up to 2e-4 here); the vectors' elements are of order 1.
     */
    private static final float TOLERANCE = 1e-3f;

    private static Model model;
    private static Embedder tokens;

    private static final List<String> TEXTS = List.of("hello world", "a", "the quick brown fox jumps over the lazy dog",
            "embeddings turn text into vectors");

    @BeforeAll
    static void load() {
        model = Model.load(decoder("embed-llama.gguf", TestModels.randomWeights(Architecture.LLAMA,
                Architecture.LLAMA.tinyShape(), 7)), RiggedFiles.smallOptions().build());
        tokens = model.embedder(EmbeddingOptions.builder().pooling(Pooling.NONE).batchSize(256).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Path decoder(String name, GgufModel gguf) {
        return ModelFiles.file(name, gguf::write);
    }

    private static Embedder embedder(Pooling pooling) {
        return model.embedder(EmbeddingOptions.builder().pooling(pooling).batchSize(256).build());
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOLERANCE, what + ", element " + i);
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

    @Test
    void meanPoolingIsTheMeanOfTheTokenVectors() {
        List<float[][]> perToken = tokens.embedTokens(TEXTS);
        try (Embedder mean = embedder(Pooling.MEAN)) {
            float[][] pooled = mean.embed(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                assertClose(mean(perToken.get(t)), pooled[t], "text " + t);
            }
        }
    }

    @Test
    void lastPoolingIsTheLastTokenVectorAndClsTheFirst() {
        List<float[][]> perToken = tokens.embedTokens(TEXTS);
        try (Embedder last = embedder(Pooling.LAST); Embedder cls = embedder(Pooling.CLS)) {
            float[][] lastVectors = last.embed(TEXTS);
            float[][] clsVectors = cls.embed(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                float[][] rows = perToken.get(t);
                assertClose(rows[rows.length - 1], lastVectors[t], "last, text " + t);
                assertClose(rows[0], clsVectors[t], "CLS, text " + t);
            }
        }
    }

    @Test
    void tokenVectorsHaveOneRowPerTokenOfTheModelsWidth() {
        List<float[][]> perToken = tokens.embedTokens(List.of("hello world"));
        assertEquals(model.tokenize("hello world").length, perToken.get(0).length);
        assertEquals(model.info().embeddingLength(), perToken.get(0)[0].length);
        assertEquals(model.info().embeddingLength(), tokens.dimensions());
    }

    @Test
    void normalizedVectorsHaveUnitLengthAndTheSameDirection() {
        try (Embedder plain = embedder(Pooling.MEAN);
             Embedder unit = model.embedder(EmbeddingOptions.builder().pooling(Pooling.MEAN).normalize(true)
                     .batchSize(256).build())) {
            float[][] raw = plain.embed(TEXTS);
            float[][] normalized = unit.embed(TEXTS);
            for (int t = 0; t < TEXTS.size(); t++) {
                double norm = 0;
                for (float v : raw[t]) {
                    norm += v * v;
                }
                norm = Math.sqrt(norm);
                assertNotEquals(1.0, norm, 1e-3, "the raw vector is not unit length already");
                double length = 0;
                for (int i = 0; i < raw[t].length; i++) {
                    assertEquals(raw[t][i] / norm, normalized[t][i], 1e-5, "text " + t + ", element " + i);
                    length += normalized[t][i] * normalized[t][i];
                }
                assertEquals(1.0, length, 1e-5);
            }
        }
    }

    private static List<String> mixedTexts(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] words = {"alpha", "beta", "gamma", "delta", "cat", "dog", "x", "the", "of", "vectors"};
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(4);
            for (int w = 0; w < length; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            texts.add(text.toString());
        }
        return texts;
    }

    @Test
    void aTextGetsTheSameVectorAloneAndInABatchOf64MixedLengths() {
        List<String> texts = mixedTexts(64, 3);
        try (Embedder mean = embedder(Pooling.MEAN)) {
            float[][] together = mean.embed(texts);
            assertEquals(64, together.length);
            for (int t = 0; t < texts.size(); t += 7) {
                assertClose(mean.embed(texts.get(t)), together[t], "text " + t);
            }
        }
    }

    @Test
    void textsThatOverflowOneBatchAreEvaluatedInSeveral() {
        List<String> texts = mixedTexts(40, 5);
        int total = texts.stream().mapToInt(text -> model.tokenize(text).length).sum();
        try (Embedder small = model.embedder(EmbeddingOptions.builder().pooling(Pooling.LAST).batchSize(32).build());
             Embedder large = embedder(Pooling.LAST)) {
            assertEquals(32, small.batchSize());
            assertTrue(total > 3 * small.batchSize(), "the texts need several batches: " + total + " tokens");
            float[][] chunked = small.embed(texts);
            float[][] whole = large.embed(texts);
            for (int t = 0; t < texts.size(); t++) {
                assertClose(whole[t], chunked[t], "text " + t);
            }
        }
    }

    @Test
    void aTextLongerThanTheBatchIsRefusedUnlessTruncationIsAsked() {
        String longText = String.join(" ", mixedTexts(5, 9));
        int length = model.tokenize(longText).length;
        assertTrue(length > 16 && length <= 256, "a text of " + length + " tokens");
        try (Embedder strict = model.embedder(EmbeddingOptions.builder().pooling(Pooling.MEAN).batchSize(16).build());
             Embedder cutting = model.embedder(EmbeddingOptions.builder().pooling(Pooling.MEAN).batchSize(16)
                     .truncate(true).build())) {
            TextTooLongException error = assertThrows(TextTooLongException.class,
                    () -> strict.embed(List.of("short", longText)));
            assertEquals(1, error.index());
            assertEquals(length, error.tokens());
            assertEquals(16, error.limit());
            assertTrue(error.getMessage().contains("truncate"), error.getMessage());

            // Causal attention: the first 16 tokens' vectors do not depend on the ones cut off.
            float[][] rows = tokens.embedTokens(List.of(longText)).get(0);
            float[][] first16 = java.util.Arrays.copyOf(rows, 16);
            assertClose(mean(first16), cutting.embed(longText), "truncated");
        }
    }

    @Test
    void anEmptyListGivesNoVectors() {
        try (Embedder mean = embedder(Pooling.MEAN)) {
            assertEquals(0, mean.embed(List.of()).length);
        }
        assertEquals(List.of(), tokens.embedTokens(List.of()));
    }

    @Test
    void aGenerationModelWithoutPoolingMetadataPoolsByMeanAndTheModelsOwnPoolingWinsOtherwise() {
        try (Embedder byDefault = model.embedder(EmbeddingOptions.builder().batchSize(64).build())) {
            assertEquals(Pooling.MEAN, byDefault.pooling());
        }
        Path lastPooled = decoder("embed-llama-last.gguf", TestModels.randomWeights(Architecture.LLAMA,
                Architecture.LLAMA.tinyShape(), 7).withPoolingType(3));
        try (Model last = Model.load(lastPooled, RiggedFiles.smallOptions().build());
             Embedder byDefault = last.embedder(EmbeddingOptions.builder().batchSize(64).build());
             Embedder overridden = last.embedder(EmbeddingOptions.builder().batchSize(64).pooling(Pooling.MEAN).build())) {
            assertEquals(Pooling.LAST, byDefault.pooling());
            assertEquals(Pooling.MEAN, overridden.pooling());
            // Same weights as the shared model: its token vectors are the reference.
            float[][] rows = tokens.embedTokens(List.of("hello world")).get(0);
            assertClose(rows[rows.length - 1], byDefault.embed("hello world"), "last by the model's metadata");
        }
    }

    @Test
    void aModelWithoutCausalAttentionEmbedsWithinOneBatchAndRefusesALongerText() {
        Path bidirectional = decoder("embed-llama-noncausal.gguf", TestModels.randomWeights(Architecture.LLAMA,
                Architecture.LLAMA.tinyShape(), 7).withCausalAttention(false).withPoolingType(1));
        try (Model encoder = Model.load(bidirectional, RiggedFiles.smallOptions().build());
             Embedder embedder = encoder.embedder(EmbeddingOptions.builder().batchSize(16).build())) {
            assertEquals(Pooling.MEAN, embedder.pooling());
            float[][] vectors = embedder.embed(List.of("hello world", "a"));
            assertEquals(2, vectors.length);
            if (profile() == LlamaProfile.CURRENT) {
                // Without causal attention every token sees the last one, so the vector differs from the causal
                // model's. (b4916 reads attention.causal for encoder architectures only: its Llama stays causal.)
                float[] causal;
                try (Embedder mean = embedder(Pooling.MEAN)) {
                    causal = mean.embed("hello world");
                }
                assertTrue(maxDifference(causal, vectors[0]) > TOLERANCE, "attention is not causal");
            }
            String longText = String.join(" ", mixedTexts(5, 9));
            assertThrows(TextTooLongException.class, () -> embedder.embed(longText));
        }
    }

    private static LlamaProfile profile() {
        return LlamaProfile.fromLabel(System.getProperty("rill.llama.profile", "current"));
    }

    private static float maxDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void poolingAndTokenCallsRefuseTheOtherKind() {
        assertThrows(IllegalStateException.class, () -> tokens.embed(List.of("a")));
        try (Embedder mean = embedder(Pooling.MEAN)) {
            assertThrows(IllegalStateException.class, () -> mean.embedTokens(List.of("a")));
        }
    }

    @Test
    void closingTheModelClosesItsEmbedders() {
        try (Model own = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions().build())) {
            Embedder embedder = own.embedder(EmbeddingOptions.builder().batchSize(32).build());
            assertEquals(1, embedder.embed(List.of("ab")).length);
            own.close();
            assertTrue(embedder.isClosed());
            assertThrows(IllegalStateException.class, () -> embedder.embed(List.of("ab")));
            assertThrows(IllegalStateException.class, () -> own.embedder());
            embedder.close(); // idempotent
        }
    }

    @Test
    void callsFromManyThreadsShareOneEmbedderAndGetTheSameVectors() throws Exception {
        try (Embedder mean = embedder(Pooling.MEAN)) {
            float[][] expected = mean.embed(TEXTS);
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
                List<java.util.concurrent.Future<float[][]>> results = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    results.add(pool.submit(() -> mean.embed(TEXTS)));
                }
                for (var result : results) {
                    float[][] vectors = result.get();
                    for (int t = 0; t < TEXTS.size(); t++) {
                        assertArrayEquals(expected[t], vectors[t], "the same batch gives the same bits");
                    }
                }
            }
        }
    }

    @Test
    void aClosedEmbedderRefusesCallsAndTheModelGoesOn() {
        Embedder embedder = embedder(Pooling.MEAN);
        float[] before = embedder.embed("hello");
        embedder.close();
        assertThrows(IllegalStateException.class, () -> embedder.embed("hello"));
        try (Embedder again = embedder(Pooling.MEAN)) {
            assertArrayEquals(before, again.embed("hello"));
        }
    }
}
