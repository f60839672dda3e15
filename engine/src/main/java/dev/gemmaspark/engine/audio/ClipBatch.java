package dev.gemmaspark.engine.audio;

/**
 * Several clips' time steps stacked into one row-major activation matrix, so that every matrix product runs over
 * all of them at once: clip i occupies rows [start(i), start(i) + length(i)). Each row carries its validity flag
 * (false for steps that only cover padding).
 */
final class ClipBatch {
    private final int[] start;
    private final int[] length;
    private final int[] clipOfRow;
    private final boolean[] valid;

    ClipBatch(int[] lengths, boolean[][] validPerClip) {
        int clips = lengths.length;
        start = new int[clips];
        length = lengths.clone();
        int rows = 0;
        for (int i = 0; i < clips; i++) {
            start[i] = rows;
            rows += lengths[i];
        }
        clipOfRow = new int[rows];
        valid = new boolean[rows];
        for (int i = 0; i < clips; i++) {
            for (int t = 0; t < lengths[i]; t++) {
                clipOfRow[start[i] + t] = i;
                valid[start[i] + t] = validPerClip[i][t];
            }
        }
    }

    int clips() {
        return start.length;
    }

    int rows() {
        return valid.length;
    }

    int start(int clip) {
        return start[clip];
    }

    int length(int clip) {
        return length[clip];
    }

    /** The first row of the clip that row {@code row} belongs to. */
    int clipStartOfRow(int row) {
        return start[clipOfRow[row]];
    }

    boolean valid(int row) {
        return valid[row];
    }
}
