package dev.rill.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GreedySamplerTest {

    @Test
    void picksTheHighestLogitWithProbabilityOne() {
        TokenChoice choice = Sampler.greedy().newSequence(1).choose(Logits.wrap(0.5f, 3f, -1f, 2.9f));
        assertEquals(1, choice.token());
        assertEquals(1f, choice.probability());
    }

    @Test
    void picksTheLowestIdAmongEqualLogits() {
        assertEquals(2, Sampler.greedy().newSequence(0).choose(Logits.wrap(1f, 1f, 4f, 4f)).token());
    }

    @Test
    void skipsNegativeInfinity() {
        float ninf = Float.NEGATIVE_INFINITY;
        assertEquals(2, Sampler.greedy().newSequence(0).choose(Logits.wrap(ninf, -300f, -5f, ninf)).token());
    }

    @Test
    void findsTheMaximumInAnyBlockOfALargeVocabulary() {
        for (int at : new int[] {0, 2047, 2048, 5000, 9999}) {
            float[] values = new float[10_000];
            Arrays.fill(values, -1f);
            values[at] = 2f;
            values[9_999 - (at == 9_999 ? 1 : 0)] = at == 9_999 ? 1f : values[9_999];
            assertEquals(at, Sampler.greedy().newSequence(0).choose(Logits.wrap(values)).token(), "at " + at);
        }
        float[] ties = new float[10_000];
        ties[3000] = 1f;
        ties[7000] = 1f;
        assertEquals(3000, Sampler.greedy().newSequence(0).choose(Logits.wrap(ties)).token());
    }

    @Test
    void onlyLooksAtTheValidPrefixOfTheBuffer() {
        Logits logits = Logits.wrap(1f, 2f, 9f);
        logits.resize(2);
        assertEquals(1, Sampler.greedy().newSequence(0).choose(logits).token());
    }

    @Test
    void rejectsNaNAndPositiveInfinityNamingTheToken() {
        float[] values = new float[5000];
        values[4321] = Float.NaN;
        var nan = assertThrows(IllegalArgumentException.class,
                () -> Sampler.greedy().newSequence(0).choose(Logits.wrap(values)));
        assertEquals("logits[4321] must be a finite number or -Infinity, was NaN", nan.getMessage());
        var inf = assertThrows(IllegalArgumentException.class,
                () -> Sampler.greedy().newSequence(0).choose(Logits.wrap(1f, Float.POSITIVE_INFINITY)));
        assertEquals("logits[1] must be a finite number or -Infinity, was Infinity", inf.getMessage());
    }

    @Test
    void rejectsLogitsThatAreAllNegativeInfinity() {
        var error = assertThrows(IllegalStateException.class, () -> Sampler.greedy().newSequence(0)
                .choose(Logits.wrap(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY)));
        assertEquals("every one of the 2 logits is -Infinity: no token can be chosen", error.getMessage());
    }

    @Test
    void isStatelessAndShared() {
        assertSame(Sampler.greedy().newSequence(1), Sampler.greedy().newSequence(2));
        assertSame(Sampler.greedy(), Sampler.temperature(0));
    }

    @Test
    void userSamplersAreLambdas() {
        Sampler lowestId = seed -> logits -> new TokenChoice(0, 1f);
        assertEquals(0, lowestId.newSequence(7).choose(Logits.wrap(1f, 2f)).token());
    }
}
