package dev.rill.internal.chat;

import java.util.List;

/** Finding format markers in streamed text, with the hold-back a marker cut between pieces needs. */
final class Markers {
    private Markers() {
    }

    /** A marker found at {@code index}. */
    record Found(int index, String marker) {
    }

    /** The earliest complete occurrence of any marker in {@code text}, or null. */
    static Found earliest(CharSequence text, List<String> markers) {
        Found best = null;
        String s = text.toString();
        for (String marker : markers) {
            int i = s.indexOf(marker);
            if (i >= 0 && (best == null || i < best.index || (i == best.index && marker.length() > best.marker.length()))) {
                best = new Found(i, marker);
            }
        }
        return best;
    }

    /**
     * How much of {@code text} can be released: everything before the first position where what is left could be
     * the beginning of a marker.
     */
    static int safeLength(CharSequence text, List<String> markers) {
        int length = text.length();
        int longest = 0;
        for (String marker : markers) {
            longest = Math.max(longest, marker.length());
        }
        for (int p = Math.max(0, length - longest + 1); p < length; p++) {
            for (String marker : markers) {
                if (isPrefix(text, p, marker)) {
                    return p;
                }
            }
        }
        return length;
    }

    /** Whether {@code text} from {@code from} to its end is a beginning of {@code marker}. */
    static boolean isPrefix(CharSequence text, int from, String marker) {
        int n = text.length() - from;
        if (n > marker.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (text.charAt(from + i) != marker.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Length of the run of whitespace at the start of {@code text}. */
    static int leadingWhitespace(CharSequence text) {
        int i = 0;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }
}
