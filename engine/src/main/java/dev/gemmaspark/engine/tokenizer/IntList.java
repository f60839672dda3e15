package dev.gemmaspark.engine.tokenizer;

import java.util.Arrays;

/** A growable list of ints, for token ids produced one at a time. */
final class IntList {
    private int[] values;
    private int size;

    IntList(int capacity) {
        values = new int[Math.max(4, capacity)];
    }

    void add(int value) {
        if (size == values.length) {
            ensureRoom(1);
        }
        values[size++] = value;
    }

    /** Makes room for {@code extra} more values, growing by at least half so that many small calls stay linear. */
    void ensureRoom(int extra) {
        if (size + extra > values.length) {
            values = Arrays.copyOf(values, Math.max(size + extra, values.length + (values.length >> 1)));
        }
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
