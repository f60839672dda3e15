package dev.gemmaspark.engine.vision;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * The float arrays of the tower's feature maps, kept from pass to pass: a map's array goes back here when the map is
 * dead and is handed out again for a later map that fits in it. Every pass asks for the same sizes in the same order,
 * so from the second image on a pass allocates nothing. Allocating each map anew put about 2.4 GB per image through
 * the collector, maps of up to 75 MB copied between generations in pauses of up to 0.7 s (docs/benchmarks.md,
 * "Images").
 *
 * <p>An array handed out holds whatever its last map left in it: an operation that adds into its output clears it
 * itself, row by row on the pool's threads, rather than the JVM zeroing it on one thread. Between passes the arena
 * holds what a pass needed at once (323 MB at the real model's size), through soft references: a heap that runs short
 * gets it back, and the next pass allocates again. Not thread-safe: one pass at a time.
 */
final class MapArena {
    /** Free arrays by length. */
    private final TreeMap<Integer, ArrayDeque<SoftReference<float[]>>> free = new TreeMap<>();

    /** An array of at least {@code size} floats, the shortest free one that fits, with undefined contents. */
    float[] take(int size) {
        for (Map.Entry<Integer, ArrayDeque<SoftReference<float[]>>> fit = free.ceilingEntry(size); fit != null;
                fit = free.ceilingEntry(size)) {
            float[] a = fit.getValue().pop().get();
            if (fit.getValue().isEmpty()) {
                free.remove(fit.getKey());
            }
            if (a != null) {
                return a;
            }
        }
        return new float[size];
    }

    /** Gives an array back; nothing may use it afterwards. */
    void give(float[] a) {
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(new SoftReference<>(a));
    }

    /** A map of this shape with undefined contents. */
    FeatureMap allocate(int images, int height, int width, int channels) {
        int size = Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(images, height), width), channels);
        return new FeatureMap(take(size), images, height, width, channels);
    }

    /** Gives the maps' arrays back; nothing may use the maps afterwards. */
    void release(FeatureMap... maps) {
        for (FeatureMap m : maps) {
            give(m.data());
        }
    }

    /** {@code next}, the map made from {@code old}; old goes back to the arena unless it is {@code kept}. */
    FeatureMap replace(FeatureMap old, FeatureMap next, FeatureMap kept) {
        if (old != kept) {
            release(old);
        }
        return next;
    }

    /** Floats held for later passes. */
    long floats() {
        return free.values().stream().flatMap(ArrayDeque::stream).map(SoftReference::get)
                .mapToLong(a -> a == null ? 0 : a.length).sum();
    }
}
