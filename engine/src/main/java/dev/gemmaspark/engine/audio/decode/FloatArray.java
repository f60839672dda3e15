package dev.gemmaspark.engine.audio.decode;

import java.util.Arrays;

/**
 * A growable float array: decoders do not always know their output length up front. Where they do (a header that
 * has been checked against the data and the limits), the exact capacity makes {@link #toArray} free.
 */
final class FloatArray {
    private static final int MAX_LENGTH = Integer.MAX_VALUE - 8;
    private float[] values;
    private int size;

    FloatArray(long capacity) {
        values = new float[(int) Math.max(16, Math.min(capacity, MAX_LENGTH))];
    }

    void add(float v) {
        if (size == values.length) {
            grow(1);
        }
        values[size++] = v;
    }

    void add(float[] src, int off, int n) {
        if (n > values.length - size) {
            grow(n);
        }
        System.arraycopy(src, off, values, size, n);
        size += n;
    }

    private void grow(int needed) {
        long length = Math.max((long) size + needed, Math.min(MAX_LENGTH, 2L * values.length));
        if (length > MAX_LENGTH) {
            throw new IllegalStateException("more than " + MAX_LENGTH + " samples");
        }
        values = Arrays.copyOf(values, (int) length);
    }

    int size() {
        return size;
    }

    /** The values; the backing array itself when it is exactly full. */
    float[] toArray() {
        return size == values.length ? values : Arrays.copyOf(values, size);
    }
}
