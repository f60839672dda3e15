package dev.gemmaspark.engine.model;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The batch's query heads attending over their sequences' KV caches in host memory (spec 5.3 step 5, llama.cpp's
 * {@code kq}, {@code ggml_soft_max_ext} and {@code kqv} with scale 1): each head's scores against the positions it
 * sees (causal, and within the window on sliding layers), their softmax, and the weighted sum of the values.
 *
 * <p>The work is split into items of up to {@value #TOKENS} consecutive tokens of one sequence and one KV head. An
 * item's query heads (its tokens times the heads that share the KV head) read the keys and values in chunks of
 * {@value #CHUNK} positions, which stay in the first-level cache while every head of the item passes over them. One
 * head at a time read the whole cache once per head instead: a 512-token prompt read its keys and values 8 x 512
 * times per layer, from the last-level cache. On two Zen 5 cores that traffic was not what bounded it (attention's
 * share of a 512-token prompt's profile went from 9.3% to 9.0%), but it grows with the context and the cores that
 * share the last-level cache. What did was summing each score's lanes one scalar add at a time and the softmax's
 * scalar exp: with {@link VectorMath#sumPairwise} and {@link VectorMath#expf} a layer's attention over a 512-token
 * prompt takes 0.5 to 0.6 of the time.
 *
 * <p>Every score is one accumulator over the head's elements in order, then its lanes summed pairwise; every output
 * element adds its positions' terms in position order, its accumulator kept in the output between chunks. Four
 * scores, or four vectors of an output, are computed side by side, each a chain of fused multiply-adds among four
 * independent ones. So a head's result is the same whichever item, chunk or batch it is computed in.
 */
final class CachedAttention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Positions per chunk: 32 keys or values of a 256-wide head are 32 KiB. */
    private static final int CHUNK = 32;
    /** Most tokens per item. */
    private static final int TOKENS = 16;

    private final Gemma3nConfig c;
    private final ThreadPool pool;
    /** The first token of each item's block, and one past the last block: filled per layer. */
    private final int[] blockStarts;
    private final ThreadLocal<Scratch> scratch;
    private final int scoreCapacity;
    private int blocks;

    CachedAttention(Gemma3nConfig c, ThreadPool pool, int maxTokens, int maxContext) {
        this.c = c;
        this.pool = pool;
        this.blockStarts = new int[maxTokens + 1];
        int group = c.nHead() / c.nHeadKv();
        // Room for one token's heads over the longest context, or a full item over a 1024-position span.
        this.scoreCapacity = group * Math.max(maxContext, TOKENS * 1024);
        int rows = maxContext + TOKENS;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(scoreCapacity, rows));
    }

    /** Attends the n query vectors {@code q} (qDim each) over KV layer {@code kvLayer} into {@code out}. */
    void attend(ForwardBatch batch, int n, int kvLayer, boolean sliding, float[] q, float[] out) {
        int nkv = c.nHeadKv();
        split(batch, n, sliding);
        // Later blocks see more positions: handing them out first evens out the threads' shares.
        pool.parallelFor(blocks * nkv, (start, end) -> {
            Scratch s = scratch.get();
            for (int i = start; i < end; i++) {
                int item = blocks * nkv - 1 - i;
                attendItem(batch, blockStarts[item / nkv], blockStarts[item / nkv + 1], item % nkv, kvLayer, sliding, q, out, s);
            }
        });
    }

    /** The position of the first key that token t sees. */
    private int firstVisible(ForwardBatch batch, int t, boolean sliding) {
        return sliding ? Math.max(0, batch.positions[t] - c.slidingWindow() + 1) : 0;
    }

    /** Blocks of consecutive positions of one cache, at most TOKENS long, whose scores fit the scratch. */
    private void split(ForwardBatch batch, int n, boolean sliding) {
        int group = c.nHead() / c.nHeadKv();
        blocks = 0;
        int start = 0;
        for (int t = 1; t <= n; t++) {
            boolean cut = t == n || batch.caches[t] != batch.caches[start] || batch.positions[t] != batch.positions[t - 1] + 1
                    || t - start == TOKENS
                    || (long) group * (t + 1 - start) * (batch.positions[t] - firstVisible(batch, start, sliding) + 1) > scoreCapacity;
            if (cut) {
                blockStarts[blocks++] = start;
                start = t;
            }
        }
        blockStarts[blocks] = n;
    }

    private void attendItem(ForwardBatch batch, int t0, int t1, int kvHead, int layer, boolean sliding, float[] q,
                            float[] out, Scratch s) {
        int hd = c.headDim();
        int qd = c.qDim();
        int group = c.nHead() / c.nHeadKv();
        KVCache cache = batch.caches[t0];
        MemorySegment keys = cache.keys(layer);
        MemorySegment values = cache.values(layer);
        int lo = firstVisible(batch, t0, sliding);
        int span = batch.positions[t1 - 1] - lo + 1;
        long headBytes = (long) kvHead * hd * Float.BYTES;
        for (int j = 0; j < span; j++) {
            s.rows[j] = cache.offset(layer, lo + j) + headBytes;
        }
        float[] sc = s.scores;
        for (int c0 = 0; c0 < span; c0 += CHUNK) {
            int c1 = Math.min(span, c0 + CHUNK);
            for (int t = t0; t < t1; t++) {
                int j0 = Math.max(c0, firstVisible(batch, t, sliding) - lo);
                int j1 = Math.min(c1, batch.positions[t] - lo + 1);
                for (int h = 0; h < group; h++) {
                    int row = ((t - t0) * group + h) * span;
                    scores(q, t * qd + (kvHead * group + h) * hd, keys, s.rows, j0, j1, sc, row);
                }
            }
        }
        for (int t = t0; t < t1; t++) {
            int from = firstVisible(batch, t, sliding) - lo;
            int to = batch.positions[t] - lo + 1;
            for (int h = 0; h < group; h++) {
                int row = ((t - t0) * group + h) * span;
                VectorMath.softmax(sc, row + from, to - from);
            }
        }
        for (int c0 = 0; c0 < span; c0 += CHUNK) {
            int c1 = Math.min(span, c0 + CHUNK);
            for (int t = t0; t < t1; t++) {
                int from = firstVisible(batch, t, sliding) - lo;
                int j0 = Math.max(c0, from);
                int j1 = Math.min(c1, batch.positions[t] - lo + 1);
                if (j0 >= j1) {
                    continue;
                }
                for (int h = 0; h < group; h++) {
                    int row = ((t - t0) * group + h) * span;
                    weightedSum(values, s.rows, j0, j1, sc, row, j0 == from, out, t * qd + (kvHead * group + h) * hd);
                }
            }
        }
    }

    /** sc[row + j] = the query at q[qOff..] times the key at rows[j], for j in [j0, j1). */
    private void scores(float[] q, int qOff, MemorySegment keys, long[] rows, int j0, int j1, float[] sc, int row) {
        int hd = c.headDim();
        int bound = F.loopBound(hd);
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            long b0 = rows[j], b1 = rows[j + 1], b2 = rows[j + 2], b3 = rows[j + 3];
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < bound; i += F.length()) {
                FloatVector qi = FloatVector.fromArray(F, q, qOff + i);
                long e = (long) i * Float.BYTES;
                a0 = qi.fma(FloatVector.fromMemorySegment(F, keys, b0 + e, ByteOrder.LITTLE_ENDIAN), a0);
                a1 = qi.fma(FloatVector.fromMemorySegment(F, keys, b1 + e, ByteOrder.LITTLE_ENDIAN), a1);
                a2 = qi.fma(FloatVector.fromMemorySegment(F, keys, b2 + e, ByteOrder.LITTLE_ENDIAN), a2);
                a3 = qi.fma(FloatVector.fromMemorySegment(F, keys, b3 + e, ByteOrder.LITTLE_ENDIAN), a3);
            }
            sc[row + j] = scoreTail(VectorMath.sumPairwise(a0), q, qOff, keys, b0, bound, hd);
            sc[row + j + 1] = scoreTail(VectorMath.sumPairwise(a1), q, qOff, keys, b1, bound, hd);
            sc[row + j + 2] = scoreTail(VectorMath.sumPairwise(a2), q, qOff, keys, b2, bound, hd);
            sc[row + j + 3] = scoreTail(VectorMath.sumPairwise(a3), q, qOff, keys, b3, bound, hd);
        }
        for (; j < j1; j++) {
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < bound; i += F.length()) {
                FloatVector kv = FloatVector.fromMemorySegment(F, keys, rows[j] + (long) i * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
                acc = FloatVector.fromArray(F, q, qOff + i).fma(kv, acc);
            }
            sc[row + j] = scoreTail(VectorMath.sumPairwise(acc), q, qOff, keys, rows[j], bound, hd);
        }
    }

    /** A score's elements past the last whole vector, added to the sum of its vector lanes {@code s}. */
    private static float scoreTail(float s, float[] q, int qOff, MemorySegment keys, long base, int from, int hd) {
        for (int i = from; i < hd; i++) {
            s += q[qOff + i] * keys.get(LE_FLOAT, base + (long) i * Float.BYTES);
        }
        return s;
    }

    /**
     * Adds positions [j0, j1)'s values, weighted by sc[row + j], to out[outOff..] in position order: onto zero where
     * {@code first} (the head's first position), else onto what the chunks before left there.
     */
    private void weightedSum(MemorySegment values, long[] rows, int j0, int j1, float[] sc, int row, boolean first,
                             float[] out, int outOff) {
        int hd = c.headDim();
        int bound = F.loopBound(hd);
        int step = 4 * F.length();
        long width = F.vectorByteSize();
        int i = 0;
        for (; i + step <= bound; i += step) {
            FloatVector a0, a1, a2, a3;
            if (first) {
                a0 = FloatVector.zero(F);
                a1 = a0;
                a2 = a0;
                a3 = a0;
            } else {
                a0 = FloatVector.fromArray(F, out, outOff + i);
                a1 = FloatVector.fromArray(F, out, outOff + i + F.length());
                a2 = FloatVector.fromArray(F, out, outOff + i + 2 * F.length());
                a3 = FloatVector.fromArray(F, out, outOff + i + 3 * F.length());
            }
            for (int j = j0; j < j1; j++) {
                FloatVector p = FloatVector.broadcast(F, sc[row + j]);
                long e = rows[j] + (long) i * Float.BYTES;
                a0 = FloatVector.fromMemorySegment(F, values, e, ByteOrder.LITTLE_ENDIAN).fma(p, a0);
                a1 = FloatVector.fromMemorySegment(F, values, e + width, ByteOrder.LITTLE_ENDIAN).fma(p, a1);
                a2 = FloatVector.fromMemorySegment(F, values, e + 2 * width, ByteOrder.LITTLE_ENDIAN).fma(p, a2);
                a3 = FloatVector.fromMemorySegment(F, values, e + 3 * width, ByteOrder.LITTLE_ENDIAN).fma(p, a3);
            }
            a0.intoArray(out, outOff + i);
            a1.intoArray(out, outOff + i + F.length());
            a2.intoArray(out, outOff + i + 2 * F.length());
            a3.intoArray(out, outOff + i + 3 * F.length());
        }
        for (; i < bound; i += F.length()) {
            FloatVector acc = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, outOff + i);
            for (int j = j0; j < j1; j++) {
                FloatVector vv = FloatVector.fromMemorySegment(F, values, rows[j] + (long) i * Float.BYTES, ByteOrder.LITTLE_ENDIAN);
                acc = vv.fma(FloatVector.broadcast(F, sc[row + j]), acc);
            }
            acc.intoArray(out, outOff + i);
        }
        for (; i < hd; i++) {
            float acc = first ? 0f : out[outOff + i];
            for (int j = j0; j < j1; j++) {
                acc += sc[row + j] * values.get(LE_FLOAT, rows[j] + (long) i * Float.BYTES);
            }
            out[outOff + i] = acc;
        }
    }

    /** Per-thread buffers: an item's scores (a row of span floats per query head) and its positions' byte offsets. */
    private static final class Scratch {
        final float[] scores;
        final long[] rows;

        Scratch(int scores, int rows) {
            this.scores = new float[scores];
            this.rows = new long[rows];
        }
    }
}
