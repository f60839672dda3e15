package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.KVCache;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PrefixCache} on synthetic KV entries (a position's entries are a function of its tokens so far): which
 * blocks it keeps, serves and evicts, and which live request a waiting one waits for.
 */
class PrefixCacheTest {
    private static final Gemma3nConfig CONFIG = Golden.config("gemma3n-tiny6-tinyvocab-f32");
    private static final int BLOCK = 16;
    private final List<KVCache> opened = new ArrayList<>();

    /** A request that feeds its tokens into one cache, {@code written} of them so far. */
    private final class FakeJob extends Job<Void> {
        int written;

        FakeJob(int[] tokens, int servable, int storable) {
            super(tokens, servable, storable);
            KVCache cache = new KVCache(CONFIG, 128, 8);
            opened.add(cache);
            caches.add(cache);
        }

        /** A prompt: its last token's logits are wanted. */
        FakeJob(int[] tokens) {
            this(tokens, tokens.length - 1, tokens.length);
        }

        @Override
        int cachesToStart(int poolSize) {
            return 1;
        }

        @Override
        void start(int cached) {
            written = cached;
        }

        @Override
        int prefixWritten() {
            return written;
        }

        @Override
        void addPrefill(Step step) {
        }

        /** Writes positions up to {@code end} in steps of at most 8 (the cache's chunk), keeping after each. */
        void prefill(PrefixCache cache, int end) {
            while (written < end) {
                int to = Math.min(end, written + 8);
                for (int p = written; p < to; p++) {
                    writeEntries(caches.getFirst(), prefixTokens, p);
                }
                written = to;
                cache.keep(this);
            }
        }
    }

    @AfterEach
    void close() {
        opened.forEach(KVCache::close);
    }

    /** A function of the tokens up to {@code p}, as a real entry is. */
    private static float value(int[] tokens, int layer, int p, int i) {
        return Arrays.hashCode(Arrays.copyOf(tokens, p + 1)) % 100_000 + layer * 1000 + i;
    }

    private static void writeEntries(KVCache cache, int[] tokens, int p) {
        float[] k = new float[CONFIG.kvDim()];
        float[] v = new float[CONFIG.kvDim()];
        for (int l = 0; l < CONFIG.kvLayerCount(); l++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = value(tokens, l, p, i);
                v[i] = -k[i];
            }
            cache.write(l, p, k, 0, v, 0);
        }
    }

    /** Every entry a query at {@code n} can see is that of {@code tokens}' position. */
    private static void assertEntries(KVCache cache, int[] tokens, int n) {
        for (int l = 0; l < CONFIG.kvLayerCount(); l++) {
            int visible = CONFIG.sliding()[l] ? CONFIG.slidingWindow() - 1 : n;
            for (int p = n - visible; p < n; p++) {
                for (int i = 0; i < CONFIG.kvDim(); i++) {
                    long off = cache.offset(l, p) + (long) i * Float.BYTES;
                    assertEquals(value(tokens, l, p, i), cache.keys(l).get(ValueLayout.JAVA_FLOAT, off),
                            "layer " + l + " position " + p);
                    assertEquals(-value(tokens, l, p, i), cache.values(l).get(ValueLayout.JAVA_FLOAT, off));
                }
            }
        }
    }

    /** {@code n} tokens from {@code seed}, all different from other seeds' at every position. */
    private static int[] tokens(int seed, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = seed * 1000 + i;
        }
        return t;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private FakeJob run(PrefixCache cache, int[] tokens) {
        FakeJob job = new FakeJob(tokens);
        job.start(cache.serve(job));
        job.prefill(cache, tokens.length);
        return job;
    }

    /**
     * A 70-token prompt keeps 4 blocks, each while the ring of 16 + 8 slots still held it. A prompt sharing its first
     * 40 tokens is served 2 blocks and the first 8 positions of the third, and a copy of the whole prompt 4 (not the
     * last token's positions: its logits are wanted); the served caches read what the first computed, across the
     * ring's wrap.
     */
    @Test
    void keptBlocksAreServedToPromptsSharingThem() {
        try (PrefixCache cache = new PrefixCache(CONFIG, 1 << 20)) {
            assertEquals(BLOCK, cache.blockTokens());
            assertEquals(BLOCK * CONFIG.kvBytesPerToken(), cache.blockBytes());
            int[] first = tokens(1, 70);
            FakeJob a = run(cache, first);
            assertEquals(0, cache.serve(new FakeJob(tokens(2, 70))));
            assertEquals(64, a.prefixKept);
            assertEquals(4 * cache.blockBytes(), cache.bytes());

            int[] sharing = concat(Arrays.copyOf(first, 40), tokens(3, 30));
            FakeJob b = new FakeJob(sharing);
            assertEquals(40, cache.serve(b));
            assertEntries(b.caches.getFirst(), first, 40);
            b.start(40);
            b.prefill(cache, sharing.length);
            assertEquals(64, b.prefixKept);

            FakeJob again = new FakeJob(first.clone());
            assertEquals(64, cache.serve(again));
            assertEntries(again.caches.getFirst(), first, 64);
            FakeJob prefix = new FakeJob(Arrays.copyOf(first, 64));
            assertEquals(63, cache.serve(prefix));
            assertEntries(prefix.caches.getFirst(), first, 63);
            // a score of the 70 tokens from position 40 needs the logits of 39 on
            assertEquals(39, cache.serve(new FakeJob(first, 39, 69)));
            assertEquals(6 * cache.blockBytes(), cache.bytes());
        }
    }

    /**
     * With room for 4 blocks: two prompts of 2 blocks fill it; after the first was used again, a third prompt's block
     * evicts the second's last block, and its next block the second's first. A prompt of 6 blocks keeps its first 4
     * and no more.
     */
    @Test
    void theLeastRecentlyUsedBlocksAreEvictedLeavesFirst() {
        long blockBytes = BLOCK * CONFIG.kvBytesPerToken();
        try (PrefixCache cache = new PrefixCache(CONFIG, 4 * blockBytes + blockBytes / 2)) {
            int[] a = tokens(1, 33);
            int[] b = tokens(2, 33);
            int[] c = tokens(3, 33);
            run(cache, a);
            run(cache, b);
            assertEquals(32, cache.serve(new FakeJob(a.clone())));
            run(cache, concat(Arrays.copyOf(c, 16), tokens(4, 1)));
            assertEquals(16, cache.serve(new FakeJob(b.clone())));
            assertEquals(32, cache.serve(new FakeJob(a.clone())));
            run(cache, c);
            assertEquals(0, cache.serve(new FakeJob(b.clone())));
            assertEquals(32, cache.serve(new FakeJob(c.clone())));
            assertEquals(4 * blockBytes, cache.bytes());
        }
        try (PrefixCache cache = new PrefixCache(CONFIG, 4 * blockBytes)) {
            int[] d = tokens(5, 97);
            FakeJob job = run(cache, d);
            assertEquals(64, job.prefixKept);
            assertNull(job.prefixTail);
            assertEquals(64, cache.serve(new FakeJob(d.clone())));
        }
    }

    /**
     * A waiting prompt waits for the live one computing a longer shared prefix than the cache holds, until it kept
     * the block where they part; not for one sharing less than a block, one that is done, or one whose blocks are
     * already cached.
     */
    @Test
    void aWaitingPromptWaitsForALivePromptComputingTheirSharedPrefix() {
        try (PrefixCache cache = new PrefixCache(CONFIG, 1 << 20)) {
            int[] shared = tokens(1, 40);
            FakeJob live = new FakeJob(concat(shared, tokens(2, 30)));
            FakeJob other = new FakeJob(concat(Arrays.copyOf(shared, 10), tokens(3, 60)));
            live.start(cache.serve(live));
            other.start(cache.serve(other));
            List<Job<?>> running = List.of(other, live);

            FakeJob waiting = new FakeJob(concat(shared, tokens(4, 5)));
            assertSame(live, cache.source(waiting, running));
            assertEquals(40, waiting.prefixWanted);
            FakeJob unrelated = new FakeJob(tokens(5, 60));
            assertNull(cache.source(unrelated, running));
            FakeJob shortShare = new FakeJob(concat(Arrays.copyOf(shared, 12), tokens(6, 50)));
            assertNull(cache.source(shortShare, running));

            live.prefill(cache, 24);
            assertSame(live, cache.source(waiting, running));
            live.prefill(cache, 40);
            assertSame(live, cache.source(waiting, running));
            live.prefill(cache, 48);
            assertNull(cache.source(waiting, running));
            assertEquals(40, cache.serve(waiting));
            assertEntries(waiting.caches.getFirst(), live.prefixTokens, 40);

            FakeJob done = new FakeJob(concat(shared, tokens(7, 30)));
            done.start(cache.serve(done));
            FakeJob longer = new FakeJob(concat(shared, tokens(7, 20)));
            assertSame(done, cache.source(longer, List.of(done)));
            assertEquals(59, longer.prefixWanted);
            done.future.complete(null);
            assertNull(cache.source(longer, List.of(done)));
        }
    }
}
