package dev.rill.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SamplerChainTest {
    /** Probabilities 0.5, 0.25, 0.15, 0.1 at temperature 1. */
    private static final float[] QUARTER = {
        (float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.15), (float) Math.log(0.1)};

    private static Distribution dist(SamplerChain chain, float... logits) {
        return chain.distribution(Logits.wrap(logits));
    }

    private static void assertDistribution(Distribution d, int[] tokens, double... probabilities) {
        assertArrayEquals(tokens, d.tokens(), d.toString());
        for (int i = 0; i < probabilities.length; i++) {
            assertEquals(probabilities[i], d.probability(i), 1e-6, d.toString());
        }
    }

    // ---- parameters ----

    private static void assertMessage(String message, Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @Test
    void rejectsInvalidParametersNamingThem() {
        assertMessage("topK must be >= 0 (0 turns it off), was -1", () -> Sampler.chain().topK(-1));
        assertMessage("topP must be in (0, 1], was 0.0", () -> Sampler.chain().topP(0));
        assertMessage("topP must be in (0, 1], was 1.5", () -> Sampler.topP(1.5));
        assertMessage("topP must be in (0, 1], was NaN", () -> Sampler.chain().topP(Double.NaN));
        assertMessage("minP must be in (0, 1], was -0.1", () -> Sampler.minP(-0.1));
        assertMessage("typicalP must be in (0, 1], was 2.0", () -> Sampler.typicalP(2));
        assertMessage("temperature must be a finite number >= 0, was -0.5", () -> Sampler.temperature(-0.5));
        assertMessage("temperature must be a finite number >= 0, was NaN", () -> Sampler.chain().temperature(Double.NaN));
        assertMessage("temperature must be a finite number >= 0, was Infinity",
                () -> Sampler.chain().temperature(Double.POSITIVE_INFINITY));
        assertMessage("penalty lastN must be >= 0, was -1", () -> Sampler.chain().penalties(-1, 1.1, 0, 0));
        assertMessage("repeat penalty must be a finite number > 0, was 0.0", () -> Sampler.chain().penalties(64, 0, 0, 0));
        assertMessage("frequency penalty must be a finite number, was NaN",
                () -> Sampler.chain().penalties(64, 1, Double.NaN, 0));
        assertMessage("presence penalty must be a finite number, was Infinity",
                () -> Sampler.chain().penalties(64, 1, 0, Double.POSITIVE_INFINITY));
        assertMessage("logitBias token must be >= 0, was -3", () -> Sampler.chain().logitBias(-3, 1));
        assertMessage("logitBias bias must be finite or -Infinity, was NaN (for token 3)",
                () -> Sampler.chain().logitBias(3, Double.NaN));
    }

    @Test
    void rejectsInvalidLogitsNamingTheToken() {
        SequenceSampler s = Sampler.defaults().newSequence(1);
        assertMessage("logits[2] must be a finite number or -Infinity, was NaN",
                () -> s.choose(Logits.wrap(1f, 2f, Float.NaN, 0f)));
        assertMessage("logits[0] must be a finite number or -Infinity, was Infinity",
                () -> s.choose(Logits.wrap(Float.POSITIVE_INFINITY, 2f)));
        SequenceSampler dense = Sampler.topP(0.9).newSequence(1);
        assertMessage("logits[1] must be a finite number or -Infinity, was NaN",
                () -> dense.choose(Logits.wrap(1f, Float.NaN)));
        float ninf = Float.NEGATIVE_INFINITY;
        assertEquals("every one of the 3 logits is -Infinity: no token can be chosen",
                assertThrows(IllegalStateException.class, () -> s.choose(Logits.wrap(ninf, ninf, ninf))).getMessage());
        assertMessage("logitBias names token 7 but the vocabulary has 2 tokens",
                () -> Sampler.chain().logitBias(7, 1).build().newSequence(0).choose(Logits.wrap(1f, 2f)));
    }

    // ---- each stage on hand-made logits ----

    @Test
    void temperatureOneIsTheSoftmax() {
        assertDistribution(dist(Sampler.chain().build(), QUARTER), new int[] {0, 1, 2, 3}, 0.5, 0.25, 0.15, 0.1);
    }

    @Test
    void temperatureSharpensAndFlattens() {
        float[] logits = {0f, (float) Math.log(2), 0f};
        // weights 2^(1/T): T = 0.5 gives 1, 4, 1; T = 2 gives 1, sqrt 2, 1
        assertDistribution(dist(Sampler.chain().temperature(0.5).build(), logits), new int[] {1, 0, 2},
                4 / 6.0, 1 / 6.0, 1 / 6.0);
        double r = Math.sqrt(2);
        assertDistribution(dist(Sampler.chain().temperature(2).build(), logits), new int[] {1, 0, 2},
                r / (2 + r), 1 / (2 + r), 1 / (2 + r));
    }

    @Test
    void temperatureZeroIsTheMostLikelySurvivorWithProbabilityOne() {
        SamplerChain chain = Sampler.chain().topK(3).temperature(0).build();
        assertDistribution(dist(chain, 1f, 7f, 3f, 7f), new int[] {1}, 1.0);
        TokenChoice choice = chain.newSequence(5).choose(Logits.wrap(1f, 7f, 3f, 7f));
        assertEquals(new TokenChoice(1, 1f), choice);
    }

    @Test
    void topKKeepsTheKHighestLowestIdFirstAmongEquals() {
        assertDistribution(dist(Sampler.chain().topK(2).build(), 1f, 5f, 3f, 5f, 2f), new int[] {1, 3}, 0.5, 0.5);
        assertDistribution(dist(Sampler.chain().topK(3).build(), 0f, 0f, 0f, 0f), new int[] {0, 1, 2},
                1 / 3.0, 1 / 3.0, 1 / 3.0);
        assertDistribution(dist(Sampler.chain().topK(1).build(), QUARTER), new int[] {0}, 1.0);
        // k at least the vocabulary keeps everything
        assertEquals(4, dist(Sampler.chain().topK(9).build(), QUARTER).size());
    }

    @Test
    void topKSkipsNegativeInfinity() {
        float ninf = Float.NEGATIVE_INFINITY;
        assertDistribution(dist(Sampler.chain().topK(3).build(), ninf, 1f, ninf, 1f), new int[] {1, 3}, 0.5, 0.5);
    }

    @Test
    void topPKeepsTheSmallestHeadReachingP() {
        // cumulative 0.5, 0.75, 0.9, 1
        assertDistribution(dist(Sampler.chain().topP(0.5).build(), QUARTER), new int[] {0}, 1.0);
        assertDistribution(dist(Sampler.chain().topP(0.7).build(), QUARTER), new int[] {0, 1}, 2 / 3.0, 1 / 3.0);
        assertDistribution(dist(Sampler.chain().topP(0.8).build(), QUARTER), new int[] {0, 1, 2},
                0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9);
        assertEquals(4, dist(Sampler.chain().topP(1).build(), QUARTER).size());
        // after top-k the nucleus is taken from the k survivors' renormalized distribution
        assertDistribution(dist(Sampler.chain().topK(2).topP(0.7).build(), QUARTER), new int[] {0, 1},
                2 / 3.0, 1 / 3.0);
        assertDistribution(dist(Sampler.chain().topK(2).topP(0.6).build(), QUARTER), new int[] {0}, 1.0);
    }

    @Test
    void minPKeepsTokensAtLeastPTimesTheMostLikely() {
        // relative to the top: 1, 0.5, 0.3, 0.2
        assertDistribution(dist(Sampler.chain().minP(0.4).build(), QUARTER), new int[] {0, 1}, 2 / 3.0, 1 / 3.0);
        assertDistribution(dist(Sampler.chain().minP(0.25).build(), QUARTER), new int[] {0, 1, 2},
                0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9);
        assertDistribution(dist(Sampler.chain().minP(1).build(), QUARTER), new int[] {0}, 1.0);
    }

    @Test
    void typicalKeepsTokensWhoseSurpriseIsClosestToTheEntropy() {
        // entropy 1.2080; |-ln p - H| = 0.515, 0.178, 0.689, 1.095: order 1, 0, 2, 3
        assertDistribution(dist(Sampler.chain().typicalP(0.2).build(), QUARTER), new int[] {1}, 1.0);
        assertDistribution(dist(Sampler.chain().typicalP(0.5).build(), QUARTER), new int[] {0, 1}, 2 / 3.0, 1 / 3.0);
        assertDistribution(dist(Sampler.chain().typicalP(0.8).build(), QUARTER), new int[] {0, 1, 2},
                0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9);
        // typical may drop the most likely token: then greedy picks among the survivors
        assertEquals(new TokenChoice(1, 1f),
                Sampler.chain().typicalP(0.2).temperature(0).build().newSequence(0).choose(Logits.wrap(QUARTER)));
    }

    @Test
    void logitBiasShiftsAndBans() {
        float[] logits = {0f, 0f, 0f};
        SamplerChain chain = Sampler.chain().logitBias(2, Math.log(2)).logitBias(0, Double.NEGATIVE_INFINITY).build();
        assertDistribution(dist(chain, logits), new int[] {2, 1}, 2 / 3.0, 1 / 3.0);
        assertEquals(new TokenChoice(1, 1f), Sampler.chain().logitBias(0, -5).temperature(0).build().newSequence(0)
                .choose(Logits.wrap(1f, 0f)));
    }

    @Test
    void penaltiesFollowLlamaCpp() {
        PenaltyWindow window = new PenaltyWindow(3, 2f, 0.5f, 0.25f);
        window.accept(0);
        window.accept(1);
        window.accept(1);
        float[] logits = {2f, -1f, 3f};
        window.apply(logits, 3);
        // token 0 seen once: 2 / 2 - (0.5 + 0.25); token 1 twice: -1 * 2 - (1 + 0.25); token 2 unseen
        assertArrayEquals(new float[] {0.25f, -3.25f, 3f}, logits);
        // the window keeps the last 3: after 2, 2 the 0 has left it
        window.accept(2);
        window.accept(2);
        float[] again = {2f, -1f, 3f};
        window.apply(again, 3);
        assertArrayEquals(new float[] {2f, -1f * 2 - 0.75f, 3f / 2 - 1.25f}, again);
    }

    @Test
    void penaltiesInTheChainSeeAcceptedTokens() {
        SequenceSampler s = Sampler.chain().penalties(4, 1, 0, 100).temperature(0).build().newSequence(0);
        float[] logits = {3f, 2f, 1f};
        int[] picked = new int[4];
        for (int i = 0; i < picked.length; i++) {
            picked[i] = s.choose(Logits.wrap(logits)).token();
            s.accept(picked[i]);
        }
        // each token is penalized out once chosen, until all three are: then the least recent penalty ties break by id
        assertArrayEquals(new int[] {0, 1, 2, 0}, picked);
    }

    @Test
    void theDefaultChainOnAHandMadeVector() {
        // probabilities 0.4, 0.3, 0.12, 0.1, 0.05, 0.03: top-k 5 leaves 0.97 of mass; top-p 0.95 of that needs
        // 0.9215 and keeps 5 (0.4+0.3+0.12+0.1 = 0.92 is short); min-p 0.05 drops 0.05 < 0.05 * 0.4? no, 0.05 >= 0.02.
        float[] logits = {(float) Math.log(0.4), (float) Math.log(0.3), (float) Math.log(0.12), (float) Math.log(0.1),
            (float) Math.log(0.05), (float) Math.log(0.03)};
        SamplerChain chain = Sampler.chain().topK(5).topP(0.95).minP(0.2).temperature(0.5).build();
        // min-p 0.2 keeps probabilities >= 0.08: 0.4, 0.3, 0.12, 0.1; temperature 0.5 squares them
        double s = 0.16 + 0.09 + 0.0144 + 0.01;
        assertDistribution(dist(chain, logits), new int[] {0, 1, 2, 3}, 0.16 / s, 0.09 / s, 0.0144 / s, 0.01 / s);
    }

    @Test
    void stagesRunInTheDocumentedOrderWhateverTheBuilderOrder() {
        SamplerChain a = Sampler.chain().temperature(0.7).minP(0.1).topP(0.9).topK(5).typicalP(0.95).build();
        SamplerChain b = Sampler.chain().topK(5).typicalP(0.95).topP(0.9).minP(0.1).temperature(0.7).build();
        assertEquals(a, b);
        assertEquals(a.distribution(Logits.wrap(QUARTER)), b.distribution(Logits.wrap(QUARTER)));
        assertEquals("Sampler.chain().topK(5).typicalP(0.95).topP(0.9).minP(0.1).temperature(0.7).build()",
                a.toString());
    }

    // ---- agreement with the slow reference on random vectors, including the histogram path of top-p ----

    @Test
    void agreesWithTheReferenceOnRandomLogits() {
        SplittableRandom random = new SplittableRandom(7);
        int[] sizes = {5, 100, 2000, 3000, 20_000, 70_000};
        for (int size : sizes) {
            for (int trial = 0; trial < 6; trial++) {
                float[] logits = new float[size];
                double spread = 0.5 + 3 * random.nextDouble();
                for (int i = 0; i < size; i++) {
                    logits[i] = (float) (spread * random.nextGaussian());
                }
                if (trial % 2 == 1) {
                    for (int i = 0; i < size / 10; i++) {
                        logits[random.nextInt(size)] = Float.NEGATIVE_INFINITY;
                    }
                }
                int topK = trial < 2 ? 0 : random.nextInt(1, 200);
                double typical = trial == 5 ? 0.9 : 1;
                double topP = trial == 0 || trial == 3 ? 1 : 0.5 + 0.49 * random.nextDouble();
                double minP = trial == 1 || trial == 4 ? 0.01 + 0.3 * random.nextDouble() : 0;
                double temperature = 0.3 + random.nextDouble();
                SamplerChain.Builder b = Sampler.chain().topK(topK).temperature(temperature);
                if (typical < 1) {
                    b.typicalP(typical);
                }
                if (topP < 1) {
                    b.topP(topP);
                }
                if (minP > 0) {
                    b.minP(minP);
                }
                SamplerChain chain = b.build();
                double[] expected = Reference.distribution(logits, topK, typical, topP, minP, temperature);
                Distribution actual = chain.distribution(Logits.wrap(logits));
                String what = chain + " on " + size;
                int survivors = 0;
                for (double p : expected) {
                    survivors += p > 0 ? 1 : 0;
                }
                assertEquals(survivors, actual.size(), what);
                for (int i = 0; i < actual.size(); i++) {
                    double want = expected[actual.token(i)];
                    assertTrue(want > 0, what + ": token " + actual.token(i) + " should not survive");
                    assertEquals(want, actual.probability(i), 1e-6 + 1e-5 * want, what);
                }
            }
        }
    }

    // ---- the random pick ----

    @Test
    void theReportedProbabilityIsTheFinalDistributions() {
        SamplerChain chain = Sampler.chain().topK(3).temperature(0.7).build();
        Distribution d = chain.distribution(Logits.wrap(QUARTER));
        SequenceSampler s = chain.newSequence(11);
        for (int i = 0; i < 200; i++) {
            TokenChoice c = s.choose(Logits.wrap(QUARTER));
            assertEquals(d.probabilityOf(c.token()), c.probability(), 1e-6);
            assertTrue(c.token() < 3);
        }
    }

    @Test
    void aSeedMakesASequenceReproducibleWhateverRunsBesideIt() {
        Sampler sampler = Sampler.defaults();
        float[] logits = new float[1000];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        SequenceSampler alone = sampler.newSequence(42);
        int[] expected = new int[100];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = alone.choose(Logits.wrap(logits)).token();
        }
        SequenceSampler again = sampler.newSequence(42);
        SequenceSampler neighbour = sampler.newSequence(43);
        int[] actual = new int[100];
        int[] other = new int[100];
        for (int i = 0; i < actual.length; i++) {
            other[i] = neighbour.choose(Logits.wrap(logits)).token();
            actual[i] = again.choose(Logits.wrap(logits)).token();
            neighbour.choose(Logits.wrap(logits));
        }
        assertArrayEquals(expected, actual);
        assertFalse(Arrays.equals(expected, other));
    }

    @Test
    void leavesTheLogitsUntouchedWithoutBiasOrPenalties() {
        float[] logits = new float[5000];
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        for (Sampler sampler : new Sampler[] {Sampler.defaults(), Sampler.topP(0.9), Sampler.minP(0.1),
            Sampler.typicalP(0.9), Sampler.temperature(1.3), Sampler.greedy()}) {
            Logits buffer = Logits.wrap(logits);
            sampler.newSequence(0).choose(buffer);
            assertArrayEquals(logits, Arrays.copyOf(buffer.array(), logits.length), sampler.toString());
        }
    }

    /**
     * Chi-square goodness of fit of 200,000 seeded draws against the exact distribution (computed in double
     * by {@link Reference}). With a fixed seed the
     * outcome is fixed; the critical values are the 0.999 quantiles, so over random seeds a correct sampler would
     * fail each check with probability 0.001 (0.2% for both): the false-failure rate of this test.
     */
    @Test
    void drawsFollowTheExactDistribution() {
        // 10 tokens at temperature 1: df = 9, critical value 27.877
        float[] logits = {0f, 0.5f, 1f, 1.5f, -0.5f, -1f, 2f, 0.25f, -2f, 1.2f};
        assertChiSquare(Sampler.chain().build(), Reference.distribution(logits, 0, 1, 1, 0, 1), logits, 27.877);
        // top-k 6, top-p 0.9, temperature 0.8 on the same logits: whatever survives, df = survivors - 1 <= 5,
        // critical value for df 5 is 20.515 (smaller df would have smaller critical values, so checked exactly)
        SamplerChain chain = Sampler.chain().topK(6).topP(0.9).temperature(0.8).build();
        double[] exact = Reference.distribution(logits, 6, 1, 0.9, 0, 0.8);
        int survivors = (int) Arrays.stream(exact).filter(p -> p > 0).count();
        double[] critical = {0, 10.828, 13.816, 16.266, 18.467, 20.515};
        assertChiSquare(chain, exact, logits, critical[survivors - 1]);
    }

    private static void assertChiSquare(SamplerChain chain, double[] exact, float[] logits, double critical) {
        int draws = 200_000;
        long[] counts = new long[logits.length];
        SequenceSampler s = chain.newSequence(20_240_601L);
        for (int i = 0; i < draws; i++) {
            counts[s.choose(Logits.wrap(logits)).token()]++;
        }
        double chi2 = 0;
        long outside = 0;
        for (int t = 0; t < logits.length; t++) {
            double expected = draws * exact[t];
            if (expected == 0) {
                outside += counts[t];
            } else {
                chi2 += (counts[t] - expected) * (counts[t] - expected) / expected;
            }
        }
        assertEquals(0, outside, "draws of tokens outside the distribution");
        assertTrue(chi2 < critical, chain + ": chi-square " + chi2 + " >= " + critical);
    }

    @Test
    void settingsReportWhatTheBuilderTookAndNeutralValuesForStagesLeftOff() {
        SamplerChain.Settings set = Sampler.chain().topK(40).topP(0.9).minP(0.05).temperature(0.7)
                .penalties(64, 1.0, 0.5, 0.25).logitBias(7, -2).build().settings();
        assertEquals(40, set.topK());
        assertEquals(0.9f, set.topP());
        assertEquals(0.05f, set.minP());
        assertEquals(0.7f, set.temperature());
        assertEquals(64, set.penaltyLastN());
        assertEquals(1f, set.repeatPenalty());
        assertEquals(0.5f, set.frequencyPenalty());
        assertEquals(0.25f, set.presencePenalty());
        assertEquals(java.util.Map.of(7, -2f), set.logitBiases());
        assertEquals(1f, set.typicalP());
        SamplerChain.Settings plain = Sampler.chain().build().settings();
        assertEquals(new SamplerChain.Settings(java.util.Map.of(), 0, 1f, 0f, 0f, 0, 1f, 1f, 0f, 1f), plain);
    }
}
