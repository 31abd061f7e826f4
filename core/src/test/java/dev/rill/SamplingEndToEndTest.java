package dev.rill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rill.sampling.Logits;
import dev.rill.sampling.Sampler;
import dev.rill.sampling.SequenceSampler;
import dev.rill.sampling.TokenChoice;
import dev.rill.testkit.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java sampler chain wired through {@link Model#generate} into {@link StreamToken} on the rigged plus-one
 * model: 259 tokens, the successor byte at logit 16, every other token at 0.
 */
class SamplingEndToEndTest {
    private static final int VOCAB = 259;
    // 1024 cells for 4 sequences: 256 each, room for the penalty test's 97 tokens

    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(RiggedFiles.plusOne(), RiggedFiles.smallOptions(1024).parallelSequences(4).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<StreamToken> collect(Sampler sampler, long seed, int maxTokens) {
        List<StreamToken> tokens = new ArrayList<>();
        model.generate(GenerationRequest.builder("abc").maxTokens(maxTokens).sampler(sampler).seed(seed).build(),
                (token, generation) -> tokens.add(token));
        return tokens;
    }

    private static String text(List<StreamToken> tokens) {
        StringBuilder s = new StringBuilder();
        tokens.forEach(t -> s.append(t.text()));
        return s.toString();
    }

    /** The successor's probability at temperature t: 1 / (1 + 258 e^(-16 / t)). */
    private static double successor(double t) {
        return 1 / (1 + (VOCAB - 1) * Math.exp(-16 / t));
    }

    @Test
    void temperatureReportsTheProbabilityOfTheChosenToken() {
        List<StreamToken> tokens = collect(Sampler.temperature(2), 9, 40);
        double other = (1 - successor(2)) / (VOCAB - 1);
        int successors = 0;
        for (int i = 0; i < tokens.size(); i++) {
            StreamToken token = tokens.get(i);
            boolean isSuccessor = Math.abs(token.logit() - 16f) < 1e-3;
            successors += isSuccessor ? 1 : 0;
            assertEquals(isSuccessor ? successor(2) : other, token.probability(), 1e-6, "token " + i);
        }
        // a draw of </s> (probability 3e-4 per token) may end the generation early
        assertTrue(successors >= 0.75 * tokens.size(), "the successor has probability 0.92: " + successors + " of "
                + tokens.size());
    }

    @Test
    void theDefaultChainKeepsOnlyTheSuccessor() {
        // min-p 0.05 drops every token with logit 0 next to one with logit 16: a point mass.
        List<StreamToken> tokens = collect(Sampler.defaults(), 3, 10);
        assertEquals("defghijklm", text(tokens));
        tokens.forEach(t -> assertEquals(1f, t.probability()));
    }

    @Test
    void topKOneIsGreedy() {
        assertEquals("defghijklm", text(collect(Sampler.topK(1), 1, 10)));
        assertEquals("defghijklm", text(collect(Sampler.chain().topP(0.5).build(), 1, 10)));
    }

    @Test
    void logitBiasBansAToken() {
        Sampler noE = Sampler.chain().logitBias(Vocabulary.byteToken('e'), Double.NEGATIVE_INFINITY).temperature(0).build();
        List<StreamToken> tokens = collect(noE, 0, 3);
        // "d", then "e" is banned and all others tie at 0: the lowest id, <unk> (0), which prints as nothing here.
        assertEquals(Vocabulary.byteToken('d'), tokens.get(0).tokenId());
        assertNotEquals(Vocabulary.byteToken('e'), tokens.get(1).tokenId());
    }

    @Test
    void penaltiesAreFedTheGeneratedTokens() {
        // plus-one from "~" cycles through the 95 printable bytes; a presence penalty of 20 over the last 100
        // tokens pushes every byte seen below 0 so that, after "~ !...}" (95 tokens), the model is not followed.
        Sampler sampler = Sampler.chain().penalties(100, 1, 0, 20).temperature(0).build();
        List<StreamToken> tokens = new ArrayList<>();
        model.generate(GenerationRequest.builder("}").maxTokens(97).sampler(sampler).build(),
                (token, generation) -> tokens.add(token));
        assertEquals(Vocabulary.byteToken('~'), tokens.get(0).tokenId());
        assertEquals(Vocabulary.byteToken(' '), tokens.get(1).tokenId());
        // token 95 would be "~" again; it was generated, so it is penalized below the tokens never seen
        assertNotEquals(Vocabulary.byteToken('~'), tokens.get(95).tokenId());
    }

    @Test
    void aSeedReproducesASequenceWhateverIsBatchedWithIt() throws Exception {
        Sampler hot = Sampler.temperature(4);
        String alone = text(collect(hot, 77, 30));
        List<Generation> others = new ArrayList<>();
        List<String> batched = new CopyOnWriteArrayList<>();
        StringBuilder target = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            others.add(model.submit(GenerationRequest.builder("xyz").maxTokens(40).sampler(hot).seed(i).build(),
                    (token, generation) -> batched.add(token.text())));
        }
        Generation mine = model.submit(GenerationRequest.builder("abc").maxTokens(30).sampler(hot).seed(77).build(),
                (token, generation) -> target.append(token.text()));
        mine.await();
        for (Generation g : others) {
            g.await();
        }
        assertEquals(alone, target.toString());
        assertNotEquals(alone, text(collect(hot, 78, 30)));
    }

    @Test
    void userSamplersSeeEveryGeneratedTokenAndAreClosedOnce() {
        List<Integer> accepted = new CopyOnWriteArrayList<>();
        List<String> closed = new CopyOnWriteArrayList<>();
        Sampler base = Sampler.defaults();
        // Never the same token twice in a row: bans the previous token, then lets the default chain choose.
        Sampler noRepeat = seed -> new SequenceSampler() {
            private final SequenceSampler inner = base.newSequence(seed);
            private int previous = -1;

            @Override
            public TokenChoice choose(Logits logits) {
                if (previous >= 0) {
                    logits.set(previous, Float.NEGATIVE_INFINITY);
                }
                return inner.choose(logits);
            }

            @Override
            public void accept(int token) {
                previous = token;
                accepted.add(token);
                inner.accept(token);
            }

            @Override
            public void close() {
                closed.add("closed");
                inner.close();
            }
        };
        List<StreamToken> tokens = collect(noRepeat, 1, 8);
        assertEquals("defghijk", text(tokens));
        assertEquals(tokens.stream().map(StreamToken::tokenId).toList(), accepted);
        assertEquals(List.of("closed"), closed);
    }
}
