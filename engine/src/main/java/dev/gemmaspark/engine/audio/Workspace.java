package dev.gemmaspark.engine.audio;

import java.util.EnumMap;

/**
 * Activation buffers reused by every block of one encoder pass (a pass allocates each once, at its largest size),
 * so the twelve blocks do not allocate per step. Not thread-safe: one per pass.
 */
final class Workspace {
    enum Slot {
        NORMED, QUERY, KEY, VALUE, CONTEXT, PROJECTED, WIDE, GATED
    }

    private final EnumMap<Slot, float[]> buffers = new EnumMap<>(Slot.class);

    /** A buffer of at least {@code size} floats; its contents are whatever the last user left. */
    float[] get(Slot slot, int size) {
        float[] b = buffers.get(slot);
        if (b == null || b.length < size) {
            b = new float[size];
            buffers.put(slot, b);
        }
        return b;
    }
}
