package dev.rill.internal.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a stream of byte pieces into text without ever splitting a UTF-8 character: the bytes of a character
 * that is not complete yet are held until its last byte arrives. Bytes that can never form a character are
 * replaced with U+FFFD, as {@link String#String(byte[], java.nio.charset.Charset)} does.
 */
final class Utf8Assembler {
    private byte[] pending = new byte[8];
    private int length;

    /** Adds {@code piece} and returns the text that is now complete (possibly empty). */
    String append(byte[] piece) {
        if (piece.length == 0 && length == 0) {
            return "";
        }
        if (length + piece.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, length + piece.length));
        }
        System.arraycopy(piece, 0, pending, length, piece.length);
        length += piece.length;
        int complete = completePrefix(pending, length);
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, length - complete);
        length -= complete;
        return text;
    }

    /** Whatever is held, decoded with replacement characters; the assembler is then empty. */
    String finish() {
        String text = new String(pending, 0, length, StandardCharsets.UTF_8);
        length = 0;
        return text;
    }

    /** True while bytes of an incomplete character are held. */
    boolean holdsBytes() {
        return length > 0;
    }

    /**
     * The length of the longest prefix of {@code bytes[0, length)} that does not end inside a character that
     * further bytes could still complete.
     */
    static int completePrefix(byte[] bytes, int length) {
        // A character is at most 4 bytes, so only the last 3 can belong to an unfinished one.
        for (int back = 1; back <= Math.min(3, length); back++) {
            int b = bytes[length - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for its lead byte
            }
            int needed = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? length - back : length;
        }
        return length;
    }
}
