package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A kernel over an {@link InterleavedLayout}: one group of {@link #ROWS} rows against one token ({@link #dot1}), four
 * ({@link #dot4}, decoding the group once for all four) or eight ({@link #dot8}), leaving row i of token k in lane
 * ROWS x k + i. All must perform, for each token, the same operations in the same order, so results do not depend on
 * the batch. Groups are swept in blocks small enough to stay in cache while every tile of tokens passes over them.
 *
 * <p>Eight tokens share the unpacking of the weights among twice as many tokens as four, which pays most where
 * unpacking costs most: JMH at 16 tokens, one thread, Q4_0 4.08 to 3.79 ms, Q6_K (whose 6-bit values take two
 * loads and a dozen operations per step to unpack) 6.89 to 5.55 ms together with its single 16-bit accumulator;
 * at 32 tokens Q4_K 8.5-11.1 to 6.8-7.3 ms (docs/benchmarks.md).
 */
abstract class InterleavedKernel extends RowKernel {
    static final int ROWS = InterleavedLayout.ROWS;
    static final int CHUNK = InterleavedLayout.CHUNK;
    private static final VectorShape FULL = VectorShape.forBitSize(VectorWidth.BITS);
    private static final VectorShape HALF = VectorShape.forBitSize(VectorWidth.BITS / 2);
    /** A lane per row: accumulators, integer sums, then the 16-bit lane pairs of a chunk widened. */
    static final VectorSpecies<Float> FR = VectorSpecies.of(float.class, FULL);
    static final VectorSpecies<Integer> IR = VectorSpecies.of(int.class, FULL);
    static final VectorSpecies<Short> SR = VectorSpecies.of(short.class, FULL);
    /** Loads of a chunk, of a byte per row (scales) and of an fp16 per row. */
    static final VectorSpecies<Byte> BC = VectorSpecies.of(byte.class, HALF);
    static final VectorSpecies<Byte> BR = VectorSpecies.of(byte.class, VectorShape.forBitSize(VectorWidth.BITS / 4));
    static final VectorSpecies<Short> HR = VectorSpecies.of(short.class, HALF);

    /** Floats of the lanes an {@link #dot8} call fills. */
    static final int LANES = 8 * ROWS;
    InterleavedKernel(Activations.Format format) {
        super(format);
    }

    @Override
    final boolean readsTiles() {
        return true;
    }

    /** Bytes of one group of ROWS rows of {@code cols} columns. */
    abstract long groupBytes(int cols);

    /** The rows of the group at byte {@code off} against token t, into lanes[0..ROWS). */
    abstract void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes);

    /** The rows of the group at byte {@code off} against tokens t0..t3 (which may repeat), into lanes[0..4 x ROWS). */
    abstract void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes);

    /** Tokens t0..t0+7, into lanes[0..8 x ROWS), their activations read from {@link Activations#tilePairs} and the other tiles. */
    abstract void dot8(MemorySegment w, long off, Activations a, int t0, float[] lanes);

    @Override
    final void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations a, float[] out, int outOff, int stride) {
        float[] lanes = Activations.forCurrentThread().lanes;
        int n = a.n;
        long groupBytes = groupBytes(a.cols);
        int g0 = r0 / ROWS;
        int g1 = Math.ceilDiv(r1, ROWS);
        int block = (int) Math.max(1, TiledKernel.ROW_BLOCK_BYTES / groupBytes);
        for (int gb = g0; gb < g1; gb += block) {
            int gbEnd = Math.min(g1, gb + block);
            int t = 0;
            for (; t + 8 <= n; t += 8) {
                for (int g = gb; g < gbEnd; g++) {
                    dot8(w, g * groupBytes, a, t, lanes);
                    store(lanes, 8, out, outOff + t * stride, stride, g * ROWS, r1);
                }
            }
            for (; t + 4 <= n; t += 4) {
                for (int g = gb; g < gbEnd; g++) {
                    dot4(w, g * groupBytes, a, t, t + 1, t + 2, t + 3, lanes);
                    store(lanes, 4, out, outOff + t * stride, stride, g * ROWS, r1);
                }
            }
            int left = n - t;
            if (left == 1) {
                for (int g = gb; g < gbEnd; g++) {
                    dot1(w, g * groupBytes, a, t, lanes);
                    store(lanes, 1, out, outOff + t * stride, stride, g * ROWS, r1);
                }
            } else if (left > 1) {
                // Two or three tokens: pad the tile by repeating the last one and drop the duplicate results.
                for (int g = gb; g < gbEnd; g++) {
                    dot4(w, g * groupBytes, a, t, t + 1, t + Math.min(2, left - 1), t + left - 1, lanes);
                    store(lanes, left, out, outOff + t * stride, stride, g * ROWS, r1);
                }
            }
        }
    }

    /** Token i's rows from lanes[ROWS x i ..], rows at and past r1 (the padding of the last group) dropped. */
    private static void store(float[] lanes, int tokens, float[] out, int o, int stride, int row, int r1) {
        int count = Math.min(ROWS, r1 - row);
        for (int i = 0; i < tokens; i++) {
            System.arraycopy(lanes, ROWS * i, out, o + i * stride + row, count);
        }
    }

}
