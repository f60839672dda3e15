package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.KVCache;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** {@link KVCache#copyPrefix}: what a sequence continuing from position n reads is the source's. */
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
