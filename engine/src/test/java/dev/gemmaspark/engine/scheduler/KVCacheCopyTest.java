package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.KVCache;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * {@link KVCache#copyPrefix}, and {@link KVCache#save} then {@link KVCache#load}: what a sequence continuing from
 * position n reads is the source's.
 */
class KVCacheCopyTest {
    private static final Gemma3nConfig CONFIG = Golden.config("gemma3n-tiny6-tinyvocab-f32");

    private static float value(int layer, int pos, int i) {
        return layer * 100_000 + pos * 100 + i;
    }

    /** Positions [0, n) written; 50 is past the sliding layers' ring of window 16 + chunk 8 slots. */
    @Test
    void copiesEveryPositionAQueryAtNOrLaterCanSee() {
        int kvd = CONFIG.kvDim();
        int n = 50;
        try (KVCache from = new KVCache(CONFIG, 64, 8); KVCache to = new KVCache(CONFIG, 64, 8)) {
            float[] k = new float[kvd];
            float[] v = new float[kvd];
            for (int l = 0; l < CONFIG.kvLayerCount(); l++) {
                for (int p = 0; p < n; p++) {
                    for (int i = 0; i < kvd; i++) {
                        k[i] = value(l, p, i);
                        v[i] = -value(l, p, i);
                    }
                    from.write(l, p, k, 0, v, 0);
                }
            }
            to.copyPrefix(from, n);
            for (int l = 0; l < CONFIG.kvLayerCount(); l++) {
                int visible = CONFIG.sliding()[l] ? CONFIG.slidingWindow() - 1 : n;
                for (int p = n - visible; p < n; p++) {
                    for (int i = 0; i < kvd; i++) {
                        long off = to.offset(l, p) + (long) i * Float.BYTES;
                        assertEquals(value(l, p, i), to.keys(l).get(ValueLayout.JAVA_FLOAT, off), "layer " + l + " pos " + p);
                        assertEquals(-value(l, p, i), to.values(l).get(ValueLayout.JAVA_FLOAT, off));
                    }
                }
            }
        }
    }

    /**
     * Blocks saved from a ring of 16 + 8 slots, some after it wrapped, loaded into sliding layers of 16 + 32 slots, of
     * 16 + 4 slots (wrapping elsewhere) and of all 48 positions: every position a query at n or later can see holds
     * the source's entries.
     */
    @Test
    void savedBlocksLoadIntoCachesOfOtherCapacities() {
        int kvd = CONFIG.kvDim();
        int block = 16;
        int n = 48;
        long blockBytes = block * CONFIG.kvBytesPerToken();
        try (Arena arena = Arena.ofConfined(); KVCache from = new KVCache(CONFIG, 64, 8)) {
            MemorySegment[] blocks = new MemorySegment[n / block];
            float[] k = new float[kvd];
            float[] v = new float[kvd];
            for (int p = 0; p < n; p++) {
                for (int l = 0; l < CONFIG.kvLayerCount(); l++) {
                    for (int i = 0; i < kvd; i++) {
                        k[i] = value(l, p, i);
                        v[i] = -value(l, p, i);
                    }
                    from.write(l, p, k, 0, v, 0);
                }
                // saved as soon as written, as the prefix cache does after each step
                if ((p + 1) % block == 0) {
                    blocks[p / block] = arena.allocate(blockBytes);
                    from.save(p + 1 - block, p + 1, blocks[p / block]);
                }
            }
            for (KVCache to : new KVCache[] {new KVCache(CONFIG, 128, 32), new KVCache(CONFIG, 48, 4),
                new KVCache(CONFIG, 48, 40)}) {
                try (to) {
                    for (int b = 0; b < blocks.length - 1; b++) {
                        to.load(blocks[b], b * block, block, (b + 1) * block, 32);
                    }
                    assertVisible(to, 32);
                    // a block's first positions alone, as for a prompt that leaves the cached one inside a block
                    for (int b = 0; b < 2; b++) {
                        to.load(blocks[b], b * block, block, (b + 1) * block, 37);
                    }
                    to.load(blocks[2], 2 * block, block, 37, 37);
                    assertVisible(to, 37);
                    for (int b = 0; b < blocks.length; b++) {
                        to.load(blocks[b], b * block, block, (b + 1) * block, n);
                    }
                    assertVisible(to, n);
                }
            }
        }
    }

    private static void assertVisible(KVCache to, int n) {
        for (int l = 0; l < CONFIG.kvLayerCount(); l++) {
            int visible = CONFIG.sliding()[l] ? CONFIG.slidingWindow() - 1 : n;
            for (int p = n - visible; p < n; p++) {
                for (int i = 0; i < CONFIG.kvDim(); i++) {
                    long off = to.offset(l, p) + (long) i * Float.BYTES;
                    assertEquals(value(l, p, i), to.keys(l).get(ValueLayout.JAVA_FLOAT, off), "layer " + l + " pos " + p);
                    assertEquals(-value(l, p, i), to.values(l).get(ValueLayout.JAVA_FLOAT, off));
                }
            }
        }
    }

    @Test
    void loadingPastTheSequenceOrTheCacheIsAnError() {
        try (Arena arena = Arena.ofConfined(); KVCache c = new KVCache(CONFIG, 40, 8)) {
            MemorySegment block = arena.allocate(16 * CONFIG.kvBytesPerToken());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.load(block, 32, 16, 48, 48));
            assertTrue(e.getMessage().contains("cannot load positions [32, 48) of 16 held for a sequence at 48 into a cache of 40"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.load(block, 16, 16, 32, 20));
            assertThrows(IllegalArgumentException.class, () -> c.load(block, 0, 8, 9, 9));
        }
    }

    @Test
    void cachesOfDifferentShapesAreAnError() {
        try (KVCache a = new KVCache(CONFIG, 64, 8); KVCache b = new KVCache(CONFIG, 64, 16)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.copyPrefix(a, 10));
            assertTrue(e.getMessage().startsWith("caches of different shapes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> b.copyPrefix(b, 65));
            assertTrue(e.getMessage().contains("cannot copy 65 positions"), e.getMessage());
        }
    }
}
