package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rill.llama.LlamaProfile;
import dev.rill.testkit.BertModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Rerankers from the test kit (random-weight BERT cross-encoders with a classification head): a head that ignores
 * its input scores every pair with its bias exactly, a random head scores each pair the same alone or in a batch,
 * and every misuse is a clear error.
 */
class RerankerTest {
    private static final String QUERY = "what is a panda";
    private static final List<String> DOCUMENTS = List.of("a bear", "the panda is a bear of china", "hello",
            "pandas eat bamboo", "a bear");

    private static Model random;
    private static Reranker reranker;

    @BeforeAll
    static void load() {
        Path file = ModelFiles.file("bert-reranker.gguf", BertModel.reranker(11)::write);
        random = Model.load(file, RiggedFiles.smallOptions().build());
        if (random.info().runtime().profile() == LlamaProfile.CURRENT) {
            reranker = random.reranker(EmbeddingOptions.builder().batchSize(128).build());
        }
    }

    @AfterAll
    static void close() {
        random.close();
    }

    @BeforeEach
    void onTheCurrentRelease(TestInfo test) {
        if (!test.getTestMethod().orElseThrow().getName().equals("b4916CannotRerank")) {
            assumeTrue(random.info().runtime().profile() == LlamaProfile.CURRENT, "b4916 cannot rerank");
        }
    }

    @Test
    void b4916CannotRerank() {
        assumeTrue(random.info().runtime().profile() == LlamaProfile.B4916, "the b4916 run");
        var error = assertThrows(IllegalArgumentException.class, () -> random.reranker());
        assertTrue(error.getMessage().contains("cannot rerank"), error.getMessage());
    }

    @Test
    void aHeadThatIgnoresItsInputScoresEveryPairWithItsBias() {
        Path file = ModelFiles.file("bert-constant-reranker.gguf", BertModel.constantReranker(0.625f, 3)::write);
        try (Model model = Model.load(file, RiggedFiles.smallOptions().build());
             Reranker constant = model.reranker()) {
            float[] scores = constant.score(QUERY, DOCUMENTS);
            assertEquals(DOCUMENTS.size(), scores.length);
            for (float score : scores) {
                assertEquals(0.625f, score, 1e-6f);
            }
        }
    }

    /** Documents whose pairs with {@link #RIGGED_QUERY} have clearly different shares of the letter a. */
    private static final List<String> RIGGED_DOCUMENTS = List.of("bear", "a bad cat", "xyz", "aaaa", "banana");
    private static final String RIGGED_QUERY = "panda";

    /**
     * The tokens of a pair without a template, as llama.cpp's server forms it for this vocabulary (it adds BOS and
     * separates pairs, adds no EOS): [CLS] query [SEP] document.
     */
    private static int[] plainPair(String query, String document) {
        return IntStream.concat(IntStream.of(BertModel.CLS),
                IntStream.concat(RiggedEncoder.pieces(query).stream().mapToInt(Integer::intValue),
                        IntStream.concat(IntStream.of(BertModel.SEP),
                                RiggedEncoder.pieces(document).stream().mapToInt(Integer::intValue)))).toArray();
    }

    @Test
    void aRiggedRerankerScoresEachPairWithItsLettersShareAndRanksByIt() {
        RiggedEncoder rigged = RiggedEncoder.letterReranker('a');
        Path file = ModelFiles.file("rigged-reranker-a.gguf", rigged::write);
        try (Model model = Model.load(file, RiggedFiles.smallOptions().build());
             Reranker letters = model.reranker()) {
            float[] scores = letters.score(RIGGED_QUERY, RIGGED_DOCUMENTS);
            for (int i = 0; i < RIGGED_DOCUMENTS.size(); i++) {
                int[] pair = plainPair(RIGGED_QUERY, RIGGED_DOCUMENTS.get(i));
                assertEquals(rigged.score(pair), scores[i], 1e-5, "document " + i);
                assertEquals(RiggedEncoder.share(pair, 'a'), scores[i], 1e-4, "document " + i + ": the share of a");
            }
            // aaaa 6/11, banana 5/13, a bad cat 5/14, bear 3/11, xyz 2/10
            assertEquals(List.of(3, 4, 1, 0, 2),
                    letters.rank(RIGGED_QUERY, RIGGED_DOCUMENTS).stream().map(RankedDocument::index).toList());
        }
    }

    @Test
    void theModelsRerankTemplateFormsThePair() {
        RiggedEncoder rigged = RiggedEncoder.letterReranker('a')
                .withRerankTemplate("[CLS]zzzz {document}[SEP]{query}[SEP]");
        Path file = ModelFiles.file("rigged-reranker-a-template.gguf", rigged::write);
        try (Model model = Model.load(file, RiggedFiles.smallOptions().build());
             Reranker letters = model.reranker()) {
            float[] scores = letters.score(RIGGED_QUERY, RIGGED_DOCUMENTS);
            for (int i = 0; i < RIGGED_DOCUMENTS.size(); i++) {
                int[] pair = RiggedEncoder.tokens("zzzz " + RIGGED_DOCUMENTS.get(i));
                int[] withQuery = IntStream.concat(IntStream.of(pair),
                        IntStream.concat(RiggedEncoder.pieces(RIGGED_QUERY).stream().mapToInt(Integer::intValue),
                                IntStream.of(BertModel.SEP))).toArray();
                assertEquals(rigged.score(withQuery), scores[i], 1e-5, "document " + i);
                assertTrue(scores[i] < RiggedEncoder.share(plainPair(RIGGED_QUERY, RIGGED_DOCUMENTS.get(i)), 'a'),
                        "the template's four z lower the share of a");
            }
        }
    }

    @Test
    void aPairScoresTheSameAloneAndInABatch() {
        float[] together = reranker.score(QUERY, DOCUMENTS);
        for (int i = 0; i < DOCUMENTS.size(); i++) {
            assertEquals(reranker.score(QUERY, DOCUMENTS.get(i)), together[i], 1e-4f, "document " + i);
        }
        assertEquals(together[0], together[4], 1e-4f, "the same document twice");
        assertNotEquals(together[0], together[1], "different documents score differently");
    }

    @Test
    void rankSortsByScoreAndKeepsEachDocumentsIndex() {
        float[] scores = reranker.score(QUERY, DOCUMENTS);
        List<RankedDocument> ranked = reranker.rank(QUERY, DOCUMENTS);
        assertEquals(DOCUMENTS.size(), ranked.size());
        for (int i = 0; i < ranked.size(); i++) {
            RankedDocument document = ranked.get(i);
            assertEquals(DOCUMENTS.get(document.index()), document.document());
            assertEquals(scores[document.index()], document.score(), 1e-4f);
            if (i > 0) {
                assertTrue(ranked.get(i - 1).score() >= document.score(), "sorted, most relevant first");
            }
        }
        // Equal scores keep the documents' order: document 0 comes before its copy, document 4.
        int first = -1;
        for (int i = 0; i < ranked.size(); i++) {
            if (ranked.get(i).index() == 0 || ranked.get(i).index() == 4) {
                assertEquals(first < 0 ? 0 : 4, ranked.get(i).index());
                first = i;
            }
        }
    }

    @Test
    void noDocumentsIsNoWork() {
        assertEquals(0, reranker.score(QUERY, List.of()).length);
        assertEquals(List.of(), reranker.rank(QUERY, List.of()));
    }

    @Test
    void aPairLongerThanTheBatchIsRefusedUnlessTruncated() {
        String longDocument = "abcdefghij ".repeat(20);
        var error = assertThrows(TextTooLongException.class, () -> reranker.score(QUERY, List.of("a", longDocument)));
        assertEquals(1, error.index());
        assertEquals(128, error.limit());
        try (Reranker truncating = random.reranker(EmbeddingOptions.builder().batchSize(128).truncate(true).build())) {
            float[] scores = truncating.score(QUERY, List.of("a", longDocument));
            assertEquals(2, scores.length);
            assertTrue(Float.isFinite(scores[1]));
        }
    }

    @Test
    void aModelWithoutAClassificationHeadIsNotAReranker() {
        try (Model plain = RiggedFiles.loadPlusOne()) {
            var error = assertThrows(UnsupportedOperationException.class, plain::reranker);
            assertTrue(error.getMessage().contains("is not a reranker"), error.getMessage());
        }
    }

    @Test
    void aRerankerIsNotAnEmbedderUnlessAPoolingIsAsked() {
        var error = assertThrows(UnsupportedOperationException.class, () -> random.embedder());
        assertTrue(error.getMessage().contains("use Model.reranker()"), error.getMessage());
        try (Embedder cls = random.embedder(EmbeddingOptions.builder().pooling(Pooling.CLS).batchSize(64).build())) {
            assertEquals(128, cls.embed("a bear").length);
        }
    }

    @Test
    void poolingAndNormalisationAreTheHeadsToDecide() {
        assertThrows(IllegalArgumentException.class,
                () -> random.reranker(EmbeddingOptions.builder().pooling(Pooling.MEAN).build()));
        assertThrows(IllegalArgumentException.class,
                () -> random.reranker(EmbeddingOptions.builder().normalize(true).build()));
    }

    @Test
    void aClosedRerankerAndOneOfAClosedModelRefuseCalls() {
        Path file = ModelFiles.file("bert-reranker.gguf", BertModel.reranker(11)::write);
        Model model = Model.load(file, RiggedFiles.smallOptions().build());
        Reranker first = model.reranker();
        first.close();
        first.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> first.score(QUERY, "a"));
        Reranker second = model.reranker();
        model.close();
        assertTrue(second.isClosed());
        assertThrows(IllegalStateException.class, () -> second.score(QUERY, "a"));
    }
}
