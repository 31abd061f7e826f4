package dev.rill.internal.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the engine knows of each slot's cells: prefixes, adapter keys, eviction order, holders. */
class SlotCellsTest {
    private static final List<ResolvedAdapter> NONE = List.of();
    private static final List<ResolvedAdapter> OTHER = List.of(new ResolvedAdapter(null, 0.5f));

    private static void fill(SlotCells cells, int slot, int[] tokens, List<ResolvedAdapter> adapters) {
        for (int i = 0; i < tokens.length; i++) {
            cells.put(slot, i, tokens[i], adapters);
        }
    }

    @Test
    void theCommonPrefixStopsAtTheFirstDifferentTokenAndAtThePromptsEnd() {
        SlotCells cells = new SlotCells(2);
        fill(cells, 0, new int[] {1, 2, 3, 4, 5}, NONE);
        assertEquals(3, cells.commonPrefix(0, new int[] {1, 2, 3, 9}, NONE));
        assertEquals(2, cells.commonPrefix(0, new int[] {1, 2}, NONE));
        assertEquals(0, cells.commonPrefix(1, new int[] {1, 2}, NONE), "an empty slot holds nothing");
    }

    @Test
    void cellsOfAnotherAdapterSetAreNeverAPrefix() {
        SlotCells cells = new SlotCells(1);
        fill(cells, 0, new int[] {1, 2, 3}, OTHER);
        assertEquals(0, cells.commonPrefix(0, new int[] {1, 2, 3}, NONE));
        assertEquals(3, cells.commonPrefix(0, new int[] {1, 2, 3}, OTHER));
    }

    @Test
    void cellsAfterASwitchOfAdaptersAreNotReusedUnderEitherSet() {
        SlotCells cells = new SlotCells(1);
        fill(cells, 0, new int[] {1, 2, 3}, NONE);
        cells.put(0, 3, 4, OTHER); // a generation switched adapters without re-evaluating
        cells.put(0, 4, 5, NONE);
        assertEquals(3, cells.commonPrefix(0, new int[] {1, 2, 3, 4, 5}, NONE));
        assertFalse(cells.computedUnder(0, NONE));
        cells.truncate(0, 3);
        assertTrue(cells.computedUnder(0, NONE));
    }

    @Test
    void truncateAndCopyKeepTheRecordInStepWithTheCells() {
        SlotCells cells = new SlotCells(2);
        fill(cells, 0, new int[] {7, 8, 9, 10}, NONE);
        cells.copy(0, 1, 3);
        assertArrayEquals(new int[] {7, 8, 9}, cells.tokens(1));
        cells.truncate(0, 1);
        assertArrayEquals(new int[] {7}, cells.tokens(0));
        assertThrows(IllegalStateException.class, () -> cells.put(0, 3, 1, NONE), "a gap in positions is a bug");
    }

    @Test
    void aFreeSlotIsChosenByLongestPrefixElseLeastRecentlyUsed() {
        SlotCells cells = new SlotCells(3);
        fill(cells, 0, new int[] {1, 2}, NONE);
        fill(cells, 1, new int[] {5, 6, 7}, NONE);
        fill(cells, 2, new int[] {1, 2, 3}, NONE);
        boolean[] free = {true, true, true};
        assertEquals(new SlotCells.Match(2, 3), cells.choose(free, new int[] {1, 2, 3, 4}, NONE));
        assertEquals(new SlotCells.Match(0, 0), cells.choose(free, new int[] {9}, NONE), "slot 0 was used longest ago");
        free[2] = false;
        assertEquals(new SlotCells.Match(0, 2), cells.choose(free, new int[] {1, 2, 3, 4}, NONE));
        assertEquals(new SlotCells.Match(2, 3), cells.longestElsewhere(0, new int[] {1, 2, 3, 4}, NONE));
        assertNull(cells.choose(new boolean[3], new int[] {1}, NONE));
    }

    @Test
    void aHeldSlotIsNotOfferedToAnotherSessionAndIdleSlotsComeFirst() {
        SlotCells cells = new SlotCells(3);
        Sequence[] running = new Sequence[3];
        Object first = new Object();
        cells.hold(cells.chooseToHold(running), first);
        assertEquals(first, cells.holder(0));
        assertEquals(1, cells.chooseToHold(running));
        cells.hold(1, new Object());
        cells.hold(2, new Object());
        assertEquals(-1, cells.chooseToHold(running));
    }
}
