package dev.gemmaspark.connector.runtime;

import java.nio.charset.StandardCharsets;

/**
 * Seeds that depend only on the base seed and a row's content, so that a retried or speculative task
 * samples exactly what the first attempt sampled, whatever partition or position the row had.
 */
final class RowSeeds {
    private RowSeeds() {}

    static long derive(long baseSeed, String content) {
        return derive(baseSeed, content, new byte[0]);
    }

    /** The seed of a row whose content is {@code content} followed by the bytes {@code more} (an image's pixels). */
    static long derive(long baseSeed, String content, byte[] more) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64
        for (byte b : content.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        for (byte b : more) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(h ^ mix(baseSeed));
    }

    /** The finalizer of MurmurHash3: spreads every input bit over the output. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
