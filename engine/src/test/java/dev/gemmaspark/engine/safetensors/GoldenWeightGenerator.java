package dev.gemmaspark.engine.safetensors;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/** The deterministic weight generator of {@code golden/audio/README.md} ("Weights: the PRNG"). */
final class GoldenWeightGenerator {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long FNV_OFFSET = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;

    private GoldenWeightGenerator() {
    }

    static long fnv1a64(String name) {
        long h = FNV_OFFSET;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return h;
    }

    static long key(String name, long seed) {
        return fnv1a64(name) ^ (seed * GOLDEN);
    }

    /** The first {@code n} elements of tensor {@code name}. */
    static float[] values(String name, long seed, double mean, double std, int n) {
        SplittableRandom random = new SplittableRandom(key(name, seed));
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            out[i] = (float) (mean + std * Math.sqrt(3.0) * (2.0 * u - 1.0));
        }
        return out;
    }
}
