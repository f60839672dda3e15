package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.gguf.TensorInfo;
import dev.gemmaspark.engine.kernel.AnonymousMemory;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import dev.gemmaspark.engine.quant.Dequantizer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
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
 * accumulators spill, 6 x 4 is still the faster (docs/benchmarks.md, "Images"). The kernels store whole vectors
 * only (the last, partial panel goes through a scratch tile): with masked stores as well the tile grew past what C1
 * can compile, and a JIT left with C1's limited-profile code for it ran the whole tower at 2 GFLOP/s.
 *
 * <p>Every output element is one chain of fused multiply-adds over c in order, whatever pixel tile or thread
 * computes it, so results do not depend on the batch or the thread count. Quantized weights (llama-quantize's Q8_0
 * of the projector) keep the engine's matrix kernels, with the activations rounded as ggml rounds them.
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
    /** Pixels per parallel task: 6 tiles, each sweeping a panel that stays in L2. */
    static final int PIXELS_PER_TASK = 6 * TILE;

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
        int panels = Math.ceilDiv(rows, PANEL);
        MemorySegment pk = packed();
        pool.parallelFor(Math.ceilDiv(n, PIXELS_PER_TASK), (s, e) -> {
            // a panel past the last row is computed into this scratch tile and its rows that exist copied out, so
            // the kernels store whole vectors only
            float[] edge = new float[TILE * PANEL];
            for (int task = s; task < e; task++) {
                int t0 = task * PIXELS_PER_TASK;
                int t1 = Math.min(n, t0 + PIXELS_PER_TASK);
                for (int p = 0; p < panels; p++) {
                    int r0 = p * PANEL;
                    int width = Math.min(PANEL, rows - r0);
                    boolean whole = width == PANEL;
                    long w = (long) p * cols * PANEL * Float.BYTES;
                    for (int t = t0; t < t1; ) {
                        int count = t + TILE <= t1 ? TILE : 1;
                        int o = outOff + t * rows + r0;
                        float[] y = whole ? out : edge;
                        int yo = whole ? o : 0;
                        if (count == TILE) {
                            tile(pk, x, xOff + t * cols, w, y, yo, whole ? rows : PANEL);
                        } else {
                            pixel(pk, x, xOff + t * cols, w, y, yo);
                        }
                        for (int i = 0; !whole && i < count; i++) {
                            System.arraycopy(edge, i * PANEL, out, o + i * rows, width);
                        }
                        t += count;
                    }
                }
            }
        });
    }

    /** Six consecutive pixels (at x[xt], x[xt + cols], ...) by one panel, into out[o + i * stride] for pixel i. */
    private void tile(MemorySegment pk, float[] x, int xt, long w, float[] out, int o, int stride) {
        int n = cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        FloatVector a40 = a00, a41 = a00, a42 = a00, a43 = a00;
        FloatVector a50 = a00, a51 = a00, a52 = a00, a53 = a00;
        for (int c = 0; c < n; c++) {
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
        int r = stride;
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

    /** One pixel by one panel: the same chain of operations per element as {@link #tile}. */
    private void pixel(MemorySegment pk, float[] x, int xt, long w, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < cols; c++) {
            long at = w + (long) c * PANEL * Float.BYTES;
            FloatVector b = FloatVector.broadcast(F, x[xt + c]);
            a0 = FloatVector.fromMemorySegment(F, pk, at, LE).fma(b, a0);
            a1 = FloatVector.fromMemorySegment(F, pk, at + VECTOR_BYTES, LE).fma(b, a1);
            a2 = FloatVector.fromMemorySegment(F, pk, at + 2 * VECTOR_BYTES, LE).fma(b, a2);
            a3 = FloatVector.fromMemorySegment(F, pk, at + 3 * VECTOR_BYTES, LE).fma(b, a3);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        a2.intoArray(out, o + 2 * L);
        a3.intoArray(out, o + 3 * L);
    }
}
