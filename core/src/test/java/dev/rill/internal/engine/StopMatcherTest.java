package dev.rill.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    @Test
    void withoutStopStringsReleasesEverything() {
        StopMatcher matcher = new StopMatcher(List.of());
        assertEquals(new StopMatcher.Result("hello", false), matcher.offer("hello"));
    }

    @Test
    void stopsAtAStopStringInsideOnePiece() {
        StopMatcher matcher = new StopMatcher(List.of("END"));
        assertEquals(new StopMatcher.Result("abc", true), matcher.offer("abcENDdef"));
    }

    @Test
    void holdsBackAPossibleStartAndDropsItWhenTheStopCompletes() {
        StopMatcher matcher = new StopMatcher(List.of("END"));
        assertEquals(new StopMatcher.Result("ab", false), matcher.offer("abE"));
        assertEquals(new StopMatcher.Result("", false), matcher.offer("N"));
        assertEquals(new StopMatcher.Result("", true), matcher.offer("Dxyz"));
    }

    @Test
    void releasesHeldTextOnceItCannotStartAStop() {
        StopMatcher matcher = new StopMatcher(List.of("END"));
        assertEquals("ab", matcher.offer("abEN").released());
        assertEquals("ENx", matcher.offer("x").released());
    }

    @Test
    void picksTheEarliestOfSeveralStops() {
        StopMatcher matcher = new StopMatcher(List.of("world", "lo"));
        assertEquals(new StopMatcher.Result("hel", true), matcher.offer("hello world"));
    }

    @Test
    void holdsTheLongestPossiblePrefixAcrossStops() {
        StopMatcher matcher = new StopMatcher(List.of("xyz", "yq"));
        StopMatcher.Result result = matcher.offer("axy");
        assertEquals("a", result.released());
        assertFalse(result.stopped());
        assertEquals("xy", matcher.flush());
    }

    @Test
    void aStopSplitAcrossManyPiecesNeverLeaks() {
        StopMatcher matcher = new StopMatcher(List.of("</answer>"));
        StringBuilder out = new StringBuilder();
        boolean stopped = false;
        for (char c : "42</answer> trailing".toCharArray()) {
            StopMatcher.Result r = matcher.offer(String.valueOf(c));
            out.append(r.released());
            if (r.stopped()) {
                stopped = true;
                break;
            }
        }
        assertTrue(stopped);
        assertEquals("42", out.toString());
    }

    @Test
    void flushReturnsWhatWasHeld() {
        StopMatcher matcher = new StopMatcher(List.of("STOP"));
        assertEquals("", matcher.offer("ST").released());
        assertEquals("ST", matcher.flush());
        assertEquals("", matcher.flush());
    }
}
