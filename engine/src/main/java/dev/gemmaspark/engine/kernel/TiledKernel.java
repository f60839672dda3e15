package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * A kernel that decodes weights in registers: one row against one token ({@link #dot1}) or against four
 * tokens at once ({@link #dot4}, decoding the row once for all four). Both must perform, for each token,
 * exactly the same float operations in the same order.
 *
 * <p>A kernel leaves token i's 8 accumulator lanes in {@code lanes[8i .. 8i+8)} and a scalar term (0 when it
 * has none) in {@code lanes[EXTRA + i]}; the dot product is the fixed-order lane sum plus that term. Kernel
 * bodies call no helpers of their own inside their loops: C2 stops inlining in methods this large, and a call
 * that is not inlined boxes every vector it passes.
 *
 * <p>Rows are swept in blocks small enough to stay in cache while every tile of four tokens passes over them.
 */
abstract class TiledKernel extends RowKernel {
    static final int EXTRA = 32;
    /** Scratch for a super-block's unpacked scales and mins (see KScales). */
    static final int SCALES = 40;
    static final int LANES_SIZE = SCALES + 32;
    static final long ROW_BLOCK_BYTES = 32 * 1024;

    TiledKernel(Activations.Format format) {
        super(format);
    }

    /** Row at byte {@code off} against token t, into lanes[0..8) and lanes[EXTRA]. */
    abstract void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes);

    /** Row at byte {@code off} against tokens t0..t3 (which may repeat), into lanes[0..32) and lanes[EXTRA..EXTRA+4). */
    abstract void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes);

    @Override
    final void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations a, float[] out, int outOff, int stride) {
        float[] lanes = Activations.forCurrentThread().lanes;
        int n = a.n;
        int block = (int) Math.max(1, ROW_BLOCK_BYTES / rowBytes);
        for (int rb = r0; rb < r1; rb += block) {
            int rbEnd = Math.min(r1, rb + block);
            int t = 0;
            for (; t + 4 <= n; t += 4) {
                for (int r = rb; r < rbEnd; r++) {
                    dot4(w, r * rowBytes, a, t, t + 1, t + 2, t + 3, lanes);
                    store4(lanes, out, outOff + t * stride + r, stride, 4);
                }
            }
            int left = n - t;
            if (left == 1) {
                for (int r = rb; r < rbEnd; r++) {
                    dot1(w, r * rowBytes, a, t, lanes);
                    out[outOff + t * stride + r] = sum(lanes, 0) + lanes[EXTRA];
                }
            } else if (left > 1) {
                // Two or three tokens: pad the tile by repeating the last one and drop the duplicate results.
                for (int r = rb; r < rbEnd; r++) {
                    dot4(w, r * rowBytes, a, t, t + 1, t + Math.min(2, left - 1), t + left - 1, lanes);
                    store4(lanes, out, outOff + t * stride + r, stride, left);
                }
            }
        }
    }

    private static void store4(float[] lanes, float[] out, int o, int stride, int count) {
        for (int i = 0; i < count; i++) {
            out[o + i * stride] = sum(lanes, 8 * i) + lanes[EXTRA + i];
        }
    }
}
