package dev.rill.internal.engine;

import java.util.List;

/**
 * Finds stop strings in streamed text and keeps them out of the output: text that could be the start of a
 * stop string is held back until the next piece shows whether it is one.
 */
final class StopMatcher {
    private final String[] stops;
    private final int longest;
    private final StringBuilder held = new StringBuilder();

    /** What a piece of text released. */
    record Result(String released, boolean stopped) {
    }

    private static final Result NOTHING = new Result("", false);

    StopMatcher(List<String> stops) {
        this.stops = stops.toArray(String[]::new);
        int max = 0;
        for (String stop : this.stops) {
            max = Math.max(max, stop.length());
        }
        this.longest = max;
    }

    /**
     * Adds {@code text}. Returns the text that is safe to release and whether a stop string was found; on a
     * stop, the released text is everything before the earliest stop string and nothing after it counts.
     */
    Result offer(String text) {
        if (stops.length == 0) {
            return text.isEmpty() ? NOTHING : new Result(text, false);
        }
        if (text.isEmpty() && held.isEmpty()) {
            return NOTHING;
        }
        held.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            String released = held.substring(0, earliest);
            held.setLength(0);
            return new Result(released, true);
        }
        int keep = longestSuffixThatStartsAStop();
        int release = held.length() - keep;
        if (release == 0) {
            return NOTHING;
        }
        String released = held.substring(0, release);
        held.delete(0, release);
        return new Result(released, false);
    }

    /** Releases whatever is held (the stream ended without a stop). */
    String flush() {
        String rest = held.toString();
        held.setLength(0);
        return rest;
    }

    private int longestSuffixThatStartsAStop() {
        int max = Math.min(held.length(), longest - 1);
        for (int n = max; n > 0; n--) {
            int from = held.length() - n;
            for (String stop : stops) {
                if (stop.length() > n && startsWith(from, stop, n)) {
                    return n;
                }
            }
        }
        return 0;
    }

    private boolean startsWith(int from, String stop, int n) {
        for (int i = 0; i < n; i++) {
            if (held.charAt(from + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
