package dev.gemmaspark.engine.synth;

import java.nio.charset.StandardCharsets;

/** How the values of a synthesized tensor are drawn from the model's seed. */
sealed interface Draw {

    /**
     * Normal(mean, std), rows (index over {@code ne[1..]}) at and after {@code zeroRowsFrom} zero. The rows are
     * drawn in chunks, each from its own stream seeded from (seed, tensor name, chunk index).
     */
    record Normal(double mean, double std, long zeroRowsFrom) implements Draw {
    }

    /**
     * The weight generator of the golden audio reference ({@code golden/audio/README.md}, "Weights: the PRNG"):
     * uniform on [mean - sqrt(3) std, mean + sqrt(3) std), element i being the (i+1)-th {@code nextDouble()} of
     * {@code new SplittableRandom(fnv1a64(key) ^ seed * GOLDEN)}. Keyed by the Hugging Face tensor name, so a tower
     * synthesized with seed 2 is the golden {@code small_sharp} / {@code real_sharp} weights bit for bit.
     */
    record KeyedUniform(String key, double mean, double std) implements Draw {
        private static final long GOLDEN = 0x9E3779B97F4A7C15L;
        private static final long FNV_OFFSET = 0xCBF29CE484222325L;
        private static final long FNV_PRIME = 0x100000001B3L;

        /** The stream's state before its first draw. */
        long streamKey(long seed) {
            long h = FNV_OFFSET;
            for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
                h ^= b & 0xFF;
                h *= FNV_PRIME;
            }
            return h ^ (seed * GOLDEN);
        }

        /**
         * Element {@code i} of the stream starting at {@code streamKey}: SplittableRandom's state after i + 1 steps,
         * mixed, needs no earlier draw, so chunks of a tensor are drawn independently.
         */
        float value(long streamKey, long i) {
            long z = streamKey + (i + 1) * GOLDEN;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            double u = (z >>> 11) * 0x1.0p-53;
            return (float) (mean + std * Math.sqrt(3.0) * (2.0 * u - 1.0));
        }
    }
}
