package dev.gemmaspark.engine.tokenizer;

import java.util.Arrays;

/**
 * The merge candidates of {@link SpmEncoder}: for each symbol whose pair with its successor is a piece, that
 * piece's score, in a binary max-heap ordered like llama.cpp's {@code llm_bigram_spm::comparator} (higher score
 * first, then the smaller left index).
 *
 * <p>llama.cpp pushes a new entry whenever a pair changes and skips the stale ones when they come up, so its queue
 * grows with the merges. Here each left symbol has one slot that is updated in place, so the heap never holds
 * more than one entry per symbol (twelve bytes each: symbol, score, heap position) and the pops are the same:
 * the valid entries of llama.cpp's queue are exactly the current pairs, one per left symbol, so its best valid
 * entry is the best entry here.
 */
final class BigramQueue {
    private int[] left = new int[16]; // heap position -> left symbol
    private float[] score = new float[16];
    private int[] position = new int[16]; // symbol -> heap position, or -1
    private int count;

    /** Empties the queue for symbols {@code 0 .. symbols - 1}. */
    void reset(int symbols) {
        if (position.length < symbols) {
            int capacity = Math.max(symbols, position.length + (position.length >> 1));
            left = new int[capacity];
            score = new float[capacity];
            position = new int[capacity];
        }
        Arrays.fill(position, 0, symbols, -1);
        count = 0;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** The left symbol of the best pair. */
    int top() {
        return left[0];
    }

    /** Sets the score of the pair that starts at symbol {@code l}, adding it if it is not queued. */
    void set(int l, float s) {
        int i = position[l];
        if (i < 0) {
            i = count++;
            place(i, l, s);
            siftUp(i);
        } else {
            score[i] = s;
            siftUp(i);
            siftDown(position[l]);
        }
    }

    /** Removes the pair that starts at symbol {@code l}, if it is queued. */
    void remove(int l) {
        int i = position[l];
        if (i < 0) {
            return;
        }
        position[l] = -1;
        count--;
        if (i < count) { // the last entry fills the hole, then moves up or down to its place
            int moved = left[count];
            place(i, moved, score[count]);
            siftUp(i);
            siftDown(position[moved]);
        }
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(i, parent)) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= count) {
                break;
            }
            if (child + 1 < count && before(child + 1, child)) {
                child++;
            }
            if (!before(child, i)) {
                break;
            }
            swap(i, child);
            i = child;
        }
    }

    private boolean before(int a, int b) {
        return score[a] > score[b] || (score[a] == score[b] && left[a] < left[b]);
    }

    private void place(int i, int l, float s) {
        left[i] = l;
        score[i] = s;
        position[l] = i;
    }

    private void swap(int a, int b) {
        int l = left[a];
        float s = score[a];
        place(a, left[b], score[b]);
        place(b, l, s);
    }
}
