package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.gguf.TensorInfo;
import dev.gemmaspark.engine.kernel.AnonymousMemory;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import dev.gemmaspark.engine.quant.Dequantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A convolution or projection weight {@code W[rows][cols]} applied to channels-last pixels: {@code out[t][r] =
 * sum_c W[r][c] x[t][c]} for every pixel t. Float weights are widened to f32 once, off-heap (anonymous memory, as the
 * text model's interleaved copies), and packed in panels of
 * {@value #VECTORS} vectors of output channels, {@code [panel][c][channel]}, for an outer-product kernel: per
 * input channel it broadcasts {@value #TILE} pixels' values and multiplies them into {@value #TILE} x
 * {@value #VECTORS} accumulator vectors, so no sum across lanes is ever needed. The products of the tower have few
 * input channels (64 to 3840) and many pixels, where the dot-product panel kernel of the text model spends more time
 * packing and reducing than multiplying (measured: more than half of the tower's time).
 *
 * <p>Per input channel a tile loads 4 weight vectors and 6 broadcasts for 24 fused multiply-adds, and its 24
 * accumulators and 5 operands fit AVX-512's 32 registers. The 4 x 3 tile before it (12 multiply-adds per 7 loads)
 * ran the tower's products at 0.8x the speed on Zen 5; under {@code -XX:UseAVX=2}, where some of the 6 x 4
 * accumulators spill, 6 x 4 is still the faster (docs/benchmarks.md, "Images"). The kernel stores whole vectors
 * only (a partial panel or tile goes through scratch): with masked stores as well the tile grew past what C1 can
 * compile, and a JIT left with C1's limited-profile code for it ran the whole tower at 2 GFLOP/s.
 *
 * <p>The products are blocked both ways, as BLAS blocks them: a task takes up to {@value #BLOCK} pixels and reads
 * the matrix once for all of them, panel by panel, {@value #SLICE} input channels at a time, so that the panel's
 * slice is in L1 for every tile of the block. With one 36-pixel task per matrix read and no slices, the products of
 * 1280 to 3840 input channels ran at 210-280 GFLOP/s inside the tower against 350 for the medium ones (each task
 * read up to 31 MB of weights, and a panel and the task's pixels no longer fit L2 together).
 *
 * <p>Every output element is one chain of fused multiply-adds over c in order (between slices its sum is stored and
 * reloaded exactly), whatever block, tile or thread computes it, so results do not depend on the batch or the thread
 * count. Quantized weights (llama-quantize's Q8_0 of the projector) keep the engine's matrix kernels, with the
 * activations rounded as ggml rounds them.
 */
final class Linear {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final long VECTOR_BYTES = (long) L * Float.BYTES;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int VECTORS = 4;
    /** Output channels per panel. */
    static final int PANEL = VECTORS * L;
    /** Pixels per tile. */
    private static final int TILE = 6;
    /**
     * Input channels per slice: a panel's slice of weights (128 x 64 floats at 512 bits, 32 KB) stays in L1 while
     * every tile of a block passes over it.
     */
    static final int SLICE = 128;
    /**
     * Most pixels per parallel task. A task reads the whole matrix once, so the widest products (up to 31 MB of f32
     * weights) are read 8 times fewer than with the 36-pixel tasks before, and the block's sums for one panel
     * (72 KB) stay in L2 between slices.
     */
    static final int BLOCK = 48 * TILE;
    /** The sums a first slice starts from: one tile's, at the stride of a panel. */
    private static final float[] ZEROS = new float[TILE * PANEL];
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final int rows;
    private final int cols;
    /** Float weights in the mapped file, packed on first use; null when given as floats or quantized. */
    private final TensorInfo stored;
    /** Panels of the f32 weights, or null until packed (and for a quantized matrix). */
    private volatile MemorySegment packed;
    private final WeightMatrix quantized;

    private Linear(int rows, int cols, TensorInfo stored, MemorySegment packed, WeightMatrix quantized) {
        this.rows = rows;
        this.cols = cols;
        this.stored = stored;
        this.packed = packed;
        this.quantized = quantized;
    }

    /** Float weights, row-major {@code [rows][cols]}. */
    static Linear of(float[] w, int rows, int cols) {
        return new Linear(rows, cols, null, pack(rows, cols, (r, row) -> System.arraycopy(w, r * cols, row, 0, cols)),
                null);
    }

    /**
     * A float tensor of the mapped file holding {@code [rows][cols]}, widened and packed when first multiplied: a
     * model loaded with a projector pays the tower's 4 bytes of off-heap memory per parameter only once it sees an
     * image, and {@code info} never.
     */
    static Linear of(TensorInfo t, int rows, int cols) {
        return new Linear(rows, cols, t, null, null);
    }

    static Linear quantized(WeightMatrix m) {
        return new Linear(m.rows(), m.cols(), null, null, m);
    }

    private interface Rows {
        void read(int r, float[] row);
    }

    private static MemorySegment pack(int rows, int cols, Rows source) {
        long panels = Math.ceilDiv(rows, PANEL);
        MemorySegment packed = AnonymousMemory.allocate("a vision tower weight of " + rows + " x " + cols,
                panels * cols * PANEL * Float.BYTES);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            source.read(r, row);
            long p = r / PANEL;
            int j = r % PANEL;
            for (int c = 0; c < cols; c++) {
                packed.setAtIndex(ValueLayout.JAVA_FLOAT, (p * cols + c) * PANEL + j, row[c]);
            }
        }
        return packed;
    }

    private MemorySegment packed() {
        MemorySegment p = packed;
        if (p == null) {
            synchronized (this) {
                p = packed;
                if (p == null) {
                    long rowBytes = stored.type().bytesFor(cols);
                    p = pack(rows, cols, (r, row) -> Dequantizer.dequantize(stored.type(), stored.data(), r * rowBytes,
                            row, 0, cols));
                    packed = p;
                }
            }
        }
        return p;
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    /** The quantized type read in place, or null for weights widened to f32. */
    String type() {
        return quantized != null ? quantized.type().toString() : null;
    }

    /** {@code out[outOff + t*rows + r] = sum_c W[r][c] x[xOff + t*cols + c]} for t in [0, n). */
    void multiply(ThreadPool pool, float[] x, int xOff, int n, float[] out, int outOff) {
        if ((long) xOff + (long) n * cols > x.length || (long) outOff + (long) n * rows > out.length) {
            throw new IllegalArgumentException("product of " + n + " pixels of " + cols + " channels into " + rows
                    + " does not fit its arrays (" + x.length + ", " + out.length + ")");
        }
        if (quantized != null) {
            quantized.matmulDequantized(pool, x, xOff, n, out, outOff);
            return;
        }
        MemorySegment pk = packed();
        // at least two tasks per thread, so that a thread the host holds back delays the product by half a share
        int block = Math.clamp(Math.ceilDiv(Math.ceilDiv(n, 2 * pool.threads()), TILE) * TILE, TILE, BLOCK);
        pool.parallelFor(Math.ceilDiv(n, block), (s, e) -> {
            Scratch scratch = SCRATCH.get();
            for (int task = s; task < e; task++) {
                int t0 = task * block;
                multiplyBlock(pk, x, xOff + t0 * cols, Math.min(block, n - t0), out, outOff + t0 * rows, scratch);
            }
        });
    }

    /**
     * {@code count} pixels from x[xt], panel by panel, and per panel slice by slice: each tile's sums go to the
     * block's scratch between slices and to {@code out} after the last one, through the scratch again where the panel
     * or the tile is partial (the last pixels of a block are a tile padded with zeros).
     */
    private void multiplyBlock(MemorySegment pk, float[] x, int xt, int count, float[] out, int o, Scratch scratch) {
        float[] acc = scratch.acc;
        int whole = count / TILE;
        int tiles = Math.ceilDiv(count, TILE);
        float[] tail = whole == tiles ? null : scratch.tail(x, xt + whole * TILE * cols, count - whole * TILE, cols);
        for (int r0 = 0; r0 < rows; r0 += PANEL) {
            long w = (long) r0 * cols * Float.BYTES;
            boolean wholePanel = rows - r0 >= PANEL;
            for (int c0 = 0; c0 < cols; c0 += SLICE) {
                int c1 = Math.min(cols, c0 + SLICE);
                for (int i = 0; i < tiles; i++) {
                    int a = i * TILE * PANEL;
                    boolean direct = wholePanel && c1 == cols && i < whole;
                    tile(pk, w, c0, c1, i < whole ? x : tail, i < whole ? xt + i * TILE * cols : 0, cols,
                            c0 == 0 ? ZEROS : acc, c0 == 0 ? 0 : a,
                            direct ? out : acc, direct ? o + i * TILE * rows + r0 : a, direct ? rows : PANEL);
                }
            }
            int width = Math.min(PANEL, rows - r0);
            for (int t = wholePanel ? whole * TILE : 0; t < count; t++) {
                System.arraycopy(acc, t * PANEL, out, o + t * rows + r0, width);
            }
        }
    }

    /** Per-thread scratch: a block's sums for one panel, and its last, partial tile padded with zeros. */
    private static final class Scratch {
        final float[] acc = new float[BLOCK * PANEL];
        float[] tail = new float[0];

        float[] tail(float[] x, int from, int count, int cols) {
            if (tail.length < TILE * cols) {
                tail = new float[TILE * cols];
            }
            System.arraycopy(x, from, tail, 0, count * cols);
            Arrays.fill(tail, count * cols, TILE * cols, 0f);
            return tail;
        }
    }

    /**
     * Six pixels (x[xt + i * n + c]) by one panel over input channels [c0, c1): the sums start from
     * {@code from[fo + i * PANEL + j]} and end at {@code out[o + i * r + j]}, for pixel i and output channel j of the
     * panel.
     */
    private static void tile(MemorySegment pk, long w, int c0, int c1, float[] x, int xt, int n, float[] from, int fo,
            float[] out, int o, int r) {
        FloatVector a00 = FloatVector.fromArray(F, from, fo);
        FloatVector a01 = FloatVector.fromArray(F, from, fo + L);
        FloatVector a02 = FloatVector.fromArray(F, from, fo + 2 * L);
        FloatVector a03 = FloatVector.fromArray(F, from, fo + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, from, fo + PANEL);
        FloatVector a11 = FloatVector.fromArray(F, from, fo + PANEL + L);
        FloatVector a12 = FloatVector.fromArray(F, from, fo + PANEL + 2 * L);
        FloatVector a13 = FloatVector.fromArray(F, from, fo + PANEL + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, from, fo + 2 * PANEL);
        FloatVector a21 = FloatVector.fromArray(F, from, fo + 2 * PANEL + L);
        FloatVector a22 = FloatVector.fromArray(F, from, fo + 2 * PANEL + 2 * L);
        FloatVector a23 = FloatVector.fromArray(F, from, fo + 2 * PANEL + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, from, fo + 3 * PANEL);
        FloatVector a31 = FloatVector.fromArray(F, from, fo + 3 * PANEL + L);
        FloatVector a32 = FloatVector.fromArray(F, from, fo + 3 * PANEL + 2 * L);
        FloatVector a33 = FloatVector.fromArray(F, from, fo + 3 * PANEL + 3 * L);
        FloatVector a40 = FloatVector.fromArray(F, from, fo + 4 * PANEL);
        FloatVector a41 = FloatVector.fromArray(F, from, fo + 4 * PANEL + L);
        FloatVector a42 = FloatVector.fromArray(F, from, fo + 4 * PANEL + 2 * L);
        FloatVector a43 = FloatVector.fromArray(F, from, fo + 4 * PANEL + 3 * L);
        FloatVector a50 = FloatVector.fromArray(F, from, fo + 5 * PANEL);
        FloatVector a51 = FloatVector.fromArray(F, from, fo + 5 * PANEL + L);
        FloatVector a52 = FloatVector.fromArray(F, from, fo + 5 * PANEL + 2 * L);
        FloatVector a53 = FloatVector.fromArray(F, from, fo + 5 * PANEL + 3 * L);
        for (int c = c0; c < c1; c++) {
            long at = w + (long) c * PANEL * Float.BYTES;
            FloatVector w0 = FloatVector.fromMemorySegment(F, pk, at, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, pk, at + VECTOR_BYTES, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, pk, at + 2 * VECTOR_BYTES, LE);
            FloatVector w3 = FloatVector.fromMemorySegment(F, pk, at + 3 * VECTOR_BYTES, LE);
            FloatVector b = FloatVector.broadcast(F, x[xt + c]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            a03 = w3.fma(b, a03);
            b = FloatVector.broadcast(F, x[xt + n + c]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            a12 = w2.fma(b, a12);
            a13 = w3.fma(b, a13);
            b = FloatVector.broadcast(F, x[xt + 2 * n + c]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            a22 = w2.fma(b, a22);
            a23 = w3.fma(b, a23);
            b = FloatVector.broadcast(F, x[xt + 3 * n + c]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            a32 = w2.fma(b, a32);
            a33 = w3.fma(b, a33);
            b = FloatVector.broadcast(F, x[xt + 4 * n + c]);
            a40 = w0.fma(b, a40);
            a41 = w1.fma(b, a41);
            a42 = w2.fma(b, a42);
            a43 = w3.fma(b, a43);
            b = FloatVector.broadcast(F, x[xt + 5 * n + c]);
            a50 = w0.fma(b, a50);
            a51 = w1.fma(b, a51);
            a52 = w2.fma(b, a52);
            a53 = w3.fma(b, a53);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + L);
        a02.intoArray(out, o + 2 * L);
        a03.intoArray(out, o + 3 * L);
        a10.intoArray(out, o + r);
        a11.intoArray(out, o + r + L);
        a12.intoArray(out, o + r + 2 * L);
        a13.intoArray(out, o + r + 3 * L);
        a20.intoArray(out, o + 2 * r);
        a21.intoArray(out, o + 2 * r + L);
        a22.intoArray(out, o + 2 * r + 2 * L);
        a23.intoArray(out, o + 2 * r + 3 * L);
        a30.intoArray(out, o + 3 * r);
        a31.intoArray(out, o + 3 * r + L);
        a32.intoArray(out, o + 3 * r + 2 * L);
        a33.intoArray(out, o + 3 * r + 3 * L);
        a40.intoArray(out, o + 4 * r);
        a41.intoArray(out, o + 4 * r + L);
        a42.intoArray(out, o + 4 * r + 2 * L);
        a43.intoArray(out, o + 4 * r + 3 * L);
        a50.intoArray(out, o + 5 * r);
        a51.intoArray(out, o + 5 * r + L);
        a52.intoArray(out, o + 5 * r + 2 * L);
        a53.intoArray(out, o + 5 * r + 3 * L);
    }
}
