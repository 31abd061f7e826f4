package dev.rill.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.aggregator.ReRankingContentAggregator;
import dev.langchain4j.rag.query.Query;
import dev.rill.EmbeddingOptions;
import dev.rill.Model;
import dev.rill.ModelOptions;
import dev.rill.RankedDocument;
import dev.rill.Reranker;
import dev.rill.TextTooLongException;
import dev.rill.llama.LlamaProfile;
import dev.rill.testkit.BertModel;
import dev.rill.testkit.ModelFiles;
import dev.rill.testkit.RiggedEncoder;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@link RillScoringModel} on the random-weight BERT reranker of the test kit, on the real library. llama.cpp b4916
 * cannot rerank: there only the refusal is checked.
 */
class RillScoringModelTest {
    private static final String QUERY = "what is a panda";
    private static final List<String> DOCUMENTS = List.of("a bear", "the panda is a bear of china", "hello",
            "pandas eat bamboo");

    private static Model model;
    private static Reranker reranker;
    private static RillScoringModel scoring;

    @BeforeAll
    static void load() {
        model = Model.load(ModelFiles.file("bert-reranker.gguf", BertModel.reranker(11)::write),
                ModelOptions.builder().contextSize(512).threads(1).build());
        if (current()) {
            reranker = model.reranker(EmbeddingOptions.builder().batchSize(128).build());
            scoring = RillScoringModel.builder().reranker(reranker).build();
        }
    }

    private static boolean current() {
        return model.info().runtime().profile() == LlamaProfile.CURRENT;
    }

    @BeforeEach
    void onTheCurrentRelease(TestInfo test) {
        if (!test.getTestMethod().orElseThrow().getName().equals("b4916CannotRerank")) {
            assumeTrue(current(), "b4916 cannot rerank");
        }
    }

    @Test
    void b4916CannotRerank() {
        assumeTrue(!current(), "the b4916 run");
        var error = assertThrows(IllegalArgumentException.class, () -> model.reranker());
        assertTrue(error.getMessage().contains("cannot rerank"), error.getMessage());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void scoresAreTheRerankersInTheSegmentsOrder() {
        float[] expected = reranker.score(QUERY, DOCUMENTS);
        Response<List<Double>> response = scoring.scoreAll(DOCUMENTS.stream().map(TextSegment::from).toList(), QUERY);
        assertEquals(DOCUMENTS.size(), response.content().size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], response.content().get(i), 0.0, "segment " + i);
        }
        assertEquals((double) expected[1], scoring.score(DOCUMENTS.get(1), QUERY).content(), 0.0);
        assertTrue(response.content().stream().distinct().count() > 1, "the random head tells pairs apart");
    }

    @Test
    void langChain4jsReRankingAggregatorOrdersContentAsTheRerankerRanks() {
        ReRankingContentAggregator aggregator = ReRankingContentAggregator.builder().scoringModel(scoring)
                .maxResults(3).build();
        Map<Query, Collection<List<Content>>> retrieved = Map.of(Query.from(QUERY),
                List.of(DOCUMENTS.stream().map(Content::from).toList()));
        List<String> aggregated = aggregator.aggregate(retrieved).stream().map(c -> c.textSegment().text()).toList();
        List<String> ranked = reranker.rank(QUERY, DOCUMENTS).stream().map(RankedDocument::document).limit(3).toList();
        assertEquals(ranked, aggregated);
    }

    @Test
    void aRerankerWhoseScoresAreKnownOrdersContentByThem() {
        // The rigged reranker scores a pair with the share of 'a' among its tokens: "aaaa" first, "bear" last.
        try (Model letters = Model.load(ModelFiles.file("rigged-reranker-a.gguf",
                RiggedEncoder.letterReranker('a')::write), ModelOptions.builder().contextSize(512).threads(1).build());
             Reranker reranker = letters.reranker()) {
            RillScoringModel byShare = RillScoringModel.builder().reranker(reranker).build();
            ReRankingContentAggregator aggregator = ReRankingContentAggregator.builder().scoringModel(byShare)
                    .build();
            List<String> order = aggregator.aggregate(Map.of(Query.from("a cat"), List.of(
                    List.of(Content.from("bear"), Content.from("aaaa"), Content.from("banana"))))).stream()
                    .map(c -> c.textSegment().text()).toList();
            assertEquals(List.of("aaaa", "banana", "bear"), order);
        }
    }

    @Test
    void noSegmentsGiveNoScores() {
        assertEquals(List.of(), scoring.scoreAll(List.of(), QUERY).content());
    }

    @Test
    void aPairLongerThanTheBatchIsRefusedNamingTheSegment() {
        String tooLong = "panda ".repeat(300);
        TextTooLongException error = assertThrows(TextTooLongException.class, () -> scoring.scoreAll(
                List.of(TextSegment.from("a bear"), TextSegment.from(tooLong)), QUERY));
        assertEquals(1, error.index());
    }

    @Test
    void theBuilderRefusesAMissingOrClosedRerankerAndASecondOne() {
        assertThrows(IllegalStateException.class, () -> RillScoringModel.builder().build());
        assertThrows(IllegalStateException.class, () -> RillScoringModel.builder().reranker(reranker)
                .reranker(reranker));
        Reranker closed = model.reranker();
        closed.close();
        assertThrows(IllegalStateException.class, () -> RillScoringModel.builder().reranker(closed));
    }
}
