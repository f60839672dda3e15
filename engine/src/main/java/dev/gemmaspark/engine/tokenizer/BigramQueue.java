package dev.gemmaspark.engine.tokenizer;

import java.util.Arrays;

/**
 * The merge candidates of {@link SpmEncoder}: a binary max-heap of (left symbol, right symbol, score, byte size)
 * ordered like llama.cpp's {@code llm_bigram_spm::comparator}: higher score first, then the smaller left index.
 * Entries live in parallel arrays, so pushing one allocates nothing.
 */
final class BigramQueue {
    private int[] left = new int[64];
    private int[] right = new int[64];
    private float[] score = new float[64];
    private int[] size = new int[64];
    private int count;

    // The entry most recently removed by pop().
    int topLeft;
    int topRight;
    int topSize;

    boolean isEmpty() {
        return count == 0;
    }

    void clear() {
        count = 0;
    }

    void push(int l, int r, float s, int byteSize) {
        if (count == left.length) {
            int capacity = count * 2;
            left = Arrays.copyOf(left, capacity);
            right = Arrays.copyOf(right, capacity);
            score = Arrays.copyOf(score, capacity);
            size = Arrays.copyOf(size, capacity);
        }
        int i = count++;
        set(i, l, r, s, byteSize);
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(i, parent)) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    /** Removes the first entry, leaving it in {@link #topLeft}, {@link #topRight}, {@link #topSize}. */
    void pop() {
        topLeft = left[0];
        topRight = right[0];
        topSize = size[0];
        count--;
        set(0, left[count], right[count], score[count], size[count]);
        int i = 0;
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

    private void set(int i, int l, int r, float s, int byteSize) {
        left[i] = l;
        right[i] = r;
        score[i] = s;
        size[i] = byteSize;
    }

    private void swap(int a, int b) {
        int l = left[a];
        int r = right[a];
        float s = score[a];
        int z = size[a];
        set(a, left[b], right[b], score[b], size[b]);
        set(b, l, r, s, z);
    }
}
