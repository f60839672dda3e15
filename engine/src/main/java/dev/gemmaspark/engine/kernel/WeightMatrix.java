package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.Dequantizer;
import java.lang.foreign.MemorySegment;

/**
 * A row-major weight matrix W[rows][cols] (ggml ne = [cols, rows]) in a slice of the mapped model file, in
 * any {@link GGMLType}. The weights are read in place, never expanded as a whole; {@link #matmul} multiplies a
 * batch of tokens with one pass over them, {@link #matmulDequantized} does the same as a matrix product for
 * many tokens. Q4_0, Q4_K and Q6_K matrices are the exception to "in place": they are copied once into an
 * interleaved layout of 8 or 16 rows ({@link InterleavedLayout}, about the same size), for which the decode kernels do
 * about half the work, and the file's pages they came from are released. Embedding tables, read a row at a
 * time, stay in place ({@link #rowTable}).
 */
public final class WeightMatrix {
    private final String name;
    private final GGMLType type;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final long rowBytes;
    private final RowKernel kernel;
    private final RowKernel manyTokens;
    private final RowDecoder decoder;

    private WeightMatrix(String name, GGMLType type, MemorySegment data, int rows, int cols, RowKernel kernel,
            RowKernel manyTokens, RowDecoder decoder) {
        this.name = name;
        this.type = type;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.rowBytes = type.bytesFor(cols);
        this.kernel = kernel;
        this.manyTokens = manyTokens;
        this.decoder = decoder;
    }

    /**
     * Wraps {@code data}, which must hold exactly rows x cols elements of {@code type}; {@code cols} must be a
     * whole number of the type's blocks. Types with an {@link InterleavedLayout} (Q4_0, Q6_K) are copied into it
     * and the file's pages they came from released; others are read in place.
     */
    public static WeightMatrix of(String name, GGMLType type, MemorySegment data, int rows, int cols, ActivationRounding rounding) {
        checkShape(name, type, data, rows, cols);
        InterleavedLayout layout = InterleavedLayout.of(type);
        if (layout != null) {
            MemorySegment interleaved = layout.interleave(name, data, rows, cols);
            if (data.isMapped()) {
                data.unload();
            }
            RowDecoder decoder = layout.decoder(cols);
            if (rounding == ActivationRounding.LLAMA_CPP) {
                RowKernel kernel = layout.kernel();
                return new WeightMatrix(name, type, interleaved, rows, cols, kernel, PanelKernel.dequantizing(type, decoder, kernel.format),
                        decoder);
            }
            RowKernel panel = PanelKernel.dequantizing(type, decoder, Activations.Format.F32);
            return new WeightMatrix(name, type, interleaved, rows, cols, panel, panel, decoder);
        }
        return inPlace(name, type, data, rows, cols, rounding);
    }

    /**
     * Like {@link #of}, for a matrix read a row at a time (an embedding table): its weights stay in place in the
     * file whatever their type, where {@link #of} would copy them into an interleaved layout. Matrix products
     * with it take the dequantizing path.
     */
    public static WeightMatrix rowTable(String name, GGMLType type, MemorySegment data, int rows, int cols) {
        checkShape(name, type, data, rows, cols);
        return inPlace(name, type, data, rows, cols, ActivationRounding.NONE);
    }

    private static WeightMatrix inPlace(String name, GGMLType type, MemorySegment data, int rows, int cols, ActivationRounding rounding) {
        RowKernel kernel = Kernels.forType(type, rounding);
        return new WeightMatrix(name, type, asNative(data), rows, cols, kernel, Kernels.forManyTokens(type, kernel),
                (w, off, count, dst, p) -> Dequantizer.dequantize(type, w, off, dst, p, count));
    }

    private static void checkShape(String name, GGMLType type, MemorySegment data, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("tensor " + name + ": bad shape " + rows + " x " + cols);
        }
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor " + name + ": row length " + cols + " is not a multiple of the "
                    + type + " block size " + type.blockSize);
        }
        long expected = type.bytesFor(cols) * rows;
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes of data, but " + rows + " x "
                    + cols + " " + type + " needs " + expected);
        }
    }

    /**
     * The same memory, with the same lifetime, seen as a plain native segment. The kernels then only ever meet one
     * segment class (mapped file, interleaved copies, KV caches alike), so C2's type profiles at the Vector API's
     * loads stay monomorphic: with two classes there, the Q4_0 decode kernel measured 25% slower in the model.
     */
    private static MemorySegment asNative(MemorySegment data) {
        return data.isMapped() ? data.reinterpret(data.byteSize()) : data;
    }

    public String name() {
        return name;
    }

    public GGMLType type() {
        return type;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /**
     * out[outOff + t*rows + r] = sum_c W[r][c] * x[xOff + t*cols + c], for t in [0, n), with the activations
     * rounded as the matrix's {@link ActivationRounding} says and quantized weights multiplied as llama.cpp's
     * vec_dot kernels do (exact integer block sums, scaled in f32).
     */
    public void matmul(ThreadPool pool, float[] x, int xOff, int n, float[] out, int outOff) {
        multiply(kernel, pool, x, xOff, n, out, outOff);
    }

    /**
     * The same product as {@link #matmul} as a matrix product in f32 (the audio encoder's path): quantized weights
     * are dequantized to f32 a panel of rows at a time, once for all the tokens, and multiplied with the same
     * rounded activations. Its results differ from {@link #matmul}'s in the last bits (f32 products instead of exact
     * integer block sums), so a caller picks one of the two per use, never by batch size. For float weights and
     * with {@link ActivationRounding#NONE} the two are the same.
     */
    public void matmulDequantized(ThreadPool pool, float[] x, int xOff, int n, float[] out, int outOff) {
        multiply(manyTokens, pool, x, xOff, n, out, outOff);
    }

    private void multiply(RowKernel kernel, ThreadPool pool, float[] x, int xOff, int n, float[] out, int outOff) {
        if (n < 0 || xOff < 0 || outOff < 0 || (long) xOff + (long) n * cols > x.length
                || (long) outOff + (long) n * rows > out.length) {
            throw new IllegalArgumentException("tensor " + name + ": matmul of " + n + " tokens needs x[" + xOff + " + "
                    + n + "*" + cols + "] (have " + x.length + ") and out[" + outOff + " + " + n + "*" + rows
                    + "] (have " + out.length + ")");
        }
        if (n == 0) {
            return;
        }
        Activations a = Activations.forCurrentThread();
        a.prepare(pool, kernel.format, kernel.multipliesFloats(), kernel.readsTiles(), x, xOff, n, cols);
        MatmulTask task = a.task;
        task.set(kernel, data, rowBytes, rows, a, out, outOff);
        try {
            pool.parallelFor(MatmulTask.groups(rows), task);
        } finally {
            task.clear();
        }
    }

    public void matmul(ThreadPool pool, float[] x, int n, float[] out) {
        matmul(pool, x, 0, n, out, 0);
    }

    /** Exact dequantization of row r (ggml get_rows). */
    public void dequantizeRow(int row, float[] dst, int dstOff) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("tensor " + name + ": row " + row + " of " + rows);
        }
        if (dstOff < 0 || (long) dstOff + cols > dst.length) {
            throw new IllegalArgumentException("tensor " + name + ": row of " + cols + " does not fit dst[" + dstOff + "..] of "
                    + dst.length);
        }
        decoder.decode(data, row * rowBytes, cols, dst, dstOff);
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + rows + " x " + cols + "]";
    }
}
