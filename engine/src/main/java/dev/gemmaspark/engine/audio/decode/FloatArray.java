package dev.gemmaspark.engine.audio.decode;

import java.util.Arrays;

/** A growable float array: decoders do not know their output length up front. */
final class FloatArray {
    private float[] values;
    private int size;

    FloatArray(long capacityHint) {
        values = new float[(int) Math.max(16, Math.min(capacityHint, 1 << 26))];
    }

    void add(float v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8, 2L * values.length));
        }
        values[size++] = v;
    }

    int size() {
        return size;
    }

    float[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
