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
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * A convolution or projection weight {@code W[rows][cols]} applied to channels-last pixels: {@code out[t][r] =
 * sum_c W[r][c] x[t][c]} for every pixel t. Float weights are widened to f32 once, off-heap (anonymous memory, as the
 * text model's interleaved copies), and packed in panels of
 * {@value #VECTORS} vectors of output channels, {@code [panel][c][channel]}, for an outer-product kernel: per
 * input channel it broadcasts four pixels' values and multiplies them into 4 x {@value #VECTORS} accumulator
 * vectors, so no sum across lanes is ever needed. The products of the tower have few input channels (64 to 3840)
 * and many pixels, where the dot-product panel kernel of the text model spends more time packing and reducing than
 * multiplying (measured: more than half of the tower's time).
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
    private static final int VECTORS = 3;
    /** Output channels per panel. */
    static final int PANEL = VECTORS * L;
    /** Pixels per parallel task: 8 tiles of 4, each tile sweeping a panel that stays in L2. */
    private static final int PIXELS_PER_TASK = 32;

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
            for (int task = s; task < e; task++) {
                int t0 = task * PIXELS_PER_TASK;
                int t1 = Math.min(n, t0 + PIXELS_PER_TASK);
                for (int p = 0; p < panels; p++) {
                    int r0 = p * PANEL;
                    VectorMask<Float> m0 = F.indexInRange(r0, rows);
                    VectorMask<Float> m1 = F.indexInRange(r0 + L, rows);
                    VectorMask<Float> m2 = F.indexInRange(r0 + 2 * L, rows);
                    long w = (long) p * cols * PANEL * Float.BYTES;
                    int t = t0;
                    for (; t + 4 <= t1; t += 4) {
                        tile4(pk, x, xOff + t * cols, w, out, outOff + t * rows + r0, m0, m1, m2);
                    }
                    for (; t < t1; t++) {
                        tile1(pk, x, xOff + t * cols, w, out, outOff + t * rows + r0, m0, m1, m2);
                    }
                }
            }
        });
    }

    /** Four consecutive pixels (at x[xt], x[xt + cols], ...) by one panel. */
    private void tile4(MemorySegment pk, float[] x, int xt, long w, float[] out, int o, VectorMask<Float> m0,
            VectorMask<Float> m1, VectorMask<Float> m2) {
        int n = cols;
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00;
        for (int c = 0; c < n; c++) {
            long at = w + (long) c * PANEL * Float.BYTES;
            FloatVector w0 = FloatVector.fromMemorySegment(F, pk, at, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, pk, at + VECTOR_BYTES, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, pk, at + 2 * VECTOR_BYTES, LE);
            FloatVector b = FloatVector.broadcast(F, x[xt + c]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            a02 = w2.fma(b, a02);
            b = FloatVector.broadcast(F, x[xt + n + c]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            a12 = w2.fma(b, a12);
            b = FloatVector.broadcast(F, x[xt + 2 * n + c]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            a22 = w2.fma(b, a22);
            b = FloatVector.broadcast(F, x[xt + 3 * n + c]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            a32 = w2.fma(b, a32);
        }
        int r = rows;
        a00.intoArray(out, o, m0);
        a01.intoArray(out, o + L, m1);
        a02.intoArray(out, o + 2 * L, m2);
        a10.intoArray(out, o + r, m0);
        a11.intoArray(out, o + r + L, m1);
        a12.intoArray(out, o + r + 2 * L, m2);
        a20.intoArray(out, o + 2 * r, m0);
        a21.intoArray(out, o + 2 * r + L, m1);
        a22.intoArray(out, o + 2 * r + 2 * L, m2);
        a30.intoArray(out, o + 3 * r, m0);
        a31.intoArray(out, o + 3 * r + L, m1);
        a32.intoArray(out, o + 3 * r + 2 * L, m2);
    }

    /** One pixel by one panel: the same chain of operations per element as {@link #tile4}. */
    private void tile1(MemorySegment pk, float[] x, int xt, long w, float[] out, int o, VectorMask<Float> m0,
            VectorMask<Float> m1, VectorMask<Float> m2) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
        for (int c = 0; c < cols; c++) {
            long at = w + (long) c * PANEL * Float.BYTES;
            FloatVector b = FloatVector.broadcast(F, x[xt + c]);
            a0 = FloatVector.fromMemorySegment(F, pk, at, LE).fma(b, a0);
            a1 = FloatVector.fromMemorySegment(F, pk, at + VECTOR_BYTES, LE).fma(b, a1);
            a2 = FloatVector.fromMemorySegment(F, pk, at + 2 * VECTOR_BYTES, LE).fma(b, a2);
        }
        a0.intoArray(out, o, m0);
        a1.intoArray(out, o + L, m1);
        a2.intoArray(out, o + 2 * L, m2);
    }
}
