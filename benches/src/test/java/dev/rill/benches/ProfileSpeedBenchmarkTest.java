package dev.rill.benches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The prompts of ProfileSpeedBenchmark; their lengths in tokens are checked by every trial's setup. */
class ProfileSpeedBenchmarkTest {
    @Test
    void longPromptIsOneTwentySevenWordsOfThreeLetters() {
        String[] words = ProfileSpeedBenchmark.LONG_PROMPT.substring(1).split(" ");
        assertEquals(ProfileSpeedBenchmark.PROMPT_TOKENS - 1, words.length);
        for (String word : words) {
            assertTrue(word.matches("[a-z]{3}"), word);
        }
    }

    @Test
    void workNamesAreLlamaBenchTests() {
        assertEquals(ProfileSpeedBenchmark.Work.PP128, ProfileSpeedBenchmark.Work.of("pp128"));
        assertEquals(ProfileSpeedBenchmark.PROMPT_TOKENS, ProfileSpeedBenchmark.Work.PP128.counted);
        assertEquals(ProfileSpeedBenchmark.DECODE_TOKENS, ProfileSpeedBenchmark.Work.TG32.counted);
        assertEquals(ProfileSpeedBenchmark.DECODE_TOKENS, ProfileSpeedBenchmark.Work.TG32.generated);
    }
}
