package dev.gemmaspark.engine.sampling;

import java.util.List;

/**
 * Finds a request's stop strings in its output as the text streams in token by token, a stop string split over
 * several tokens included. Text that might still turn out to be the start of a stop string is held back until
 * the next token decides; the stop string and everything after it are cut. One matcher per request.
 */
public final class StopStringMatcher {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStringMatcher(List<String> stops) {
        for (String s : stops) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        this.stops = List.copyOf(stops);
    }

    /**
     * Adds the text of the next token and returns the text that is now final: everything up to the earliest stop
     * string once one has appeared (see {@link #stopped()}), otherwise everything except the longest tail that
     * begins a stop string. After a stop, further text is ignored and the result is empty.
     */
    public String push(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int cut = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int release = pending.length() - heldBackLength();
        String out = pending.substring(0, release);
        pending.delete(0, release);
        return out;
    }

    /** Whether a stop string has appeared: generation should end. */
    public boolean stopped() {
        return stopped;
    }

    /** The text held back when generation ends without a stop string; empty after a stop. */
    public String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Length of the longest tail of the pending text that is a proper prefix of a stop string. */
    private int heldBackLength() {
        int n = pending.length();
        for (int len = n; len > 0; len--) {
            for (String s : stops) {
                if (len < s.length() && tailStarts(s, len)) {
                    return len;
                }
            }
        }
        return 0;
    }

    /** Whether the last {@code len} chars of the pending text equal the first {@code len} of {@code stop}. */
    private boolean tailStarts(String stop, int len) {
        int start = pending.length() - len;
        for (int i = 0; i < len; i++) {
            if (pending.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
