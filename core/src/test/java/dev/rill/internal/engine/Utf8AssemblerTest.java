package dev.rill.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8AssemblerTest {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void passesAsciiThroughAtOnce() {
        assertEquals("abc", new Utf8Assembler().append("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void holdsATwoByteCharacterUntilItsSecondByte() {
        Utf8Assembler utf8 = new Utf8Assembler();
        assertEquals("", utf8.append(bytes(0xC3)));
        assertTrue(utf8.holdsBytes());
        assertEquals("é", utf8.append(bytes(0xA9)));
        assertFalse(utf8.holdsBytes());
    }

    @Test
    void holdsAFourByteCharacterSplitOneByteAtATime() {
        Utf8Assembler utf8 = new Utf8Assembler();
        StringBuilder out = new StringBuilder();
        for (byte b : "😀".getBytes(StandardCharsets.UTF_8)) {
            String piece = utf8.append(new byte[] {b});
            assertFalse(piece.contains("\uFFFD"));
            out.append(piece);
        }
        assertEquals("😀", out.toString());
    }

    @Test
    void releasesCompleteTextBeforeAnUnfinishedCharacter() {
        Utf8Assembler utf8 = new Utf8Assembler();
        assertEquals("a", utf8.append(bytes('a', 0xE2, 0x82)));
        assertEquals("€b", utf8.append(bytes(0xAC, 'b')));
    }

    @Test
    void replacesBytesThatCanNeverFormACharacter() {
        Utf8Assembler utf8 = new Utf8Assembler();
        assertEquals("\uFFFDa", utf8.append(bytes(0xFF, 'a')));
        assertEquals("\uFFFD", utf8.append(bytes(0x80)));
    }

    @Test
    void finishReplacesAnUnfinishedCharacter() {
        Utf8Assembler utf8 = new Utf8Assembler();
        assertEquals("", utf8.append(bytes(0xF0, 0x9F)));
        assertEquals("\uFFFD", utf8.finish());
        assertFalse(utf8.holdsBytes());
    }

    @Test
    void aLeadByteFollowedByTooFewContinuationsIsNotHeldForEver() {
        // 0xE2 'a': 'a' interrupts the sequence, so both are released (the lead byte replaced).
        assertEquals("\uFFFDa", new Utf8Assembler().append(bytes(0xE2, 'a')));
    }
}
