package dev.rill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.sampling.Sampler;
import dev.rill.testkit.TestModels;
import dev.rill.testkit.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GenerateTest {
    private static Model model;

    @BeforeAll
    static void load() {
        model = RiggedFiles.loadPlusOne();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<StreamToken> collect(GenerationRequest request) {
        List<StreamToken> tokens = new ArrayList<>();
        model.generate(request, (token, generation) -> tokens.add(token));
        return tokens;
    }

    @Test
    void greedyContinuationIsTheRiggedRule() {
        StringBuilder text = new StringBuilder();
        GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(10).build(),
                (token, generation) -> text.append(token.text()));
        assertEquals("defghijklm", text.toString());
        assertEquals(RiggedFiles.PLUS_ONE.expectedText("abc", 10), text.toString());
        assertEquals("defghijklm", result.text());
        assertEquals(FinishReason.MAX_TOKENS, result.finishReason());
        assertEquals(4, result.promptTokens()); // <s> a b c
        assertEquals(10, result.generatedTokens());
    }

    @Test
    void eachStreamTokenCarriesIdProbabilityAndRawLogit() {
        List<StreamToken> tokens = collect(GenerationRequest.builder("abc").maxTokens(3).build());
        assertEquals(3, tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            StreamToken token = tokens.get(i);
            assertEquals(i, token.index());
            assertEquals(Vocabulary.byteToken('d' + i), token.tokenId());
            assertEquals(String.valueOf((char) ('d' + i)), token.text());
            assertEquals(1f, token.probability(), "greedy draws from a point mass");
            assertEquals(TestModels.DEFAULT_TOP_LOGIT, token.logit(), 1e-3f);
            assertFalse(token.endOfSequence());
            assertTrue(token.alternatives().isEmpty());
        }
    }

    @Test
    void alternativesAreTheModelsOwnDistribution() {
        List<StreamToken> tokens = collect(GenerationRequest.builder("abc").maxTokens(1).topAlternatives(3).build());
        List<TokenAlternative> alternatives = tokens.getFirst().alternatives();
        assertEquals(3, alternatives.size());
        assertEquals(Vocabulary.byteToken('d'), alternatives.get(0).tokenId());
        assertEquals("d", alternatives.get(0).text());
        assertEquals(RiggedFiles.PLUS_ONE.topProbability(), alternatives.get(0).probability(), 1e-5);
        assertEquals(16f, alternatives.get(0).logit(), 1e-3f);
        // Every other token has logit 0: the runners-up are the lowest ids among them.
        assertEquals(0, alternatives.get(1).tokenId());
        assertEquals(1, alternatives.get(2).tokenId());
        assertTrue(alternatives.get(1).probability() < 1e-6);
    }

    @Test
    void tokenPromptsSkipTokenization() {
        int[] prompt = {Vocabulary.BOS, Vocabulary.byteToken('x')};
        StringBuilder text = new StringBuilder();
        GenerationResult result = model.generate(GenerationRequest.builder(Prompt.tokens(prompt)).maxTokens(3).build(),
                (token, generation) -> text.append(token.text()));
        assertEquals("yz{", text.toString());
        assertEquals(2, result.promptTokens());
    }

    @Test
    void theSameSeedReproducesASampledStream() {
        // Temperature 40 flattens the rigged distribution enough for the draws to vary.
        GenerationRequest.Builder first = GenerationRequest.builder("abc").maxTokens(20)
                .sampler(Sampler.temperature(40)).seed(1234);
        GenerationRequest.Builder second = GenerationRequest.builder("abc").maxTokens(20)
                .sampler(Sampler.temperature(40)).seed(1234);
        GenerationRequest.Builder other = GenerationRequest.builder("abc").maxTokens(20)
                .sampler(Sampler.temperature(40)).seed(99);
        int[] a = collect(first.build()).stream().mapToInt(StreamToken::tokenId).toArray();
        int[] b = collect(second.build()).stream().mapToInt(StreamToken::tokenId).toArray();
        int[] c = collect(other.build()).stream().mapToInt(StreamToken::tokenId).toArray();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
    }

    @Test
    void anUnseededRequestReportsTheSeedItUsed() {
        GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(2)
                .sampler(Sampler.temperature(40)).build(), TokenCallback.ignore());
        int[] replay = collect(GenerationRequest.builder("abc").maxTokens(2).sampler(Sampler.temperature(40))
                .seed(result.seed()).build()).stream().mapToInt(StreamToken::tokenId).toArray();
        assertEquals(result.text(), model.detokenize(replay));
    }

    @Test
    void timingsAreFilledIn() {
        GenerationResult result = model.generate(GenerationRequest.builder("abc").maxTokens(8).build(),
                TokenCallback.ignore());
        Timings timings = result.timings();
        assertTrue(timings.timeToFirstToken().toNanos() > 0);
        assertTrue(timings.promptEvaluation().toNanos() > 0);
        assertTrue(timings.generation().toNanos() > 0);
        assertTrue(timings.total().compareTo(timings.timeToFirstToken()) >= 0);
        assertTrue(timings.promptTokensPerSecond() > 0);
        assertTrue(timings.generatedTokensPerSecond() > 0);
        assertNotEquals(0, result.seed() | 1);
    }

    @Test
    void aSequenceThatFillsItsContextEndsWithContextFull() {
        // 256 cells: the 5 prompt tokens and 251 fed tokens fill them; the 252nd sampled token is delivered
        // but has no cell to be fed into. The default maxTokens (256) is not reached.
        GenerationResult result = model.generate("xyz}", TokenCallback.ignore());
        assertEquals(FinishReason.CONTEXT_FULL, result.finishReason());
        assertFalse(result.finishReason().isNatural());
        assertEquals(5, result.promptTokens());
        assertEquals(252, result.generatedTokens());
        assertTrue(result.text().startsWith("~ !\"#"), result.text());
    }
}
