package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * A tile kernel for float weights (F32, F16, BF16) that can also widen its weights to f32. Widening is exact, so
 * {@link PanelKernel} can multiply widened rows and get, operation for operation, what {@link #dot1} and
 * {@link #dot4} compute, which read and widen the weights in registers.
 *
 * <p>The operations both must perform for one row and one token: the row's 8-float chunks (columns [8k, 8k+8)
 * while 8k+8 &lt;= cols) feed two chains of 8 f32 lanes, chunks of even k the first and odd k the second, each
 * chain {@code acc = w.fma(x, acc)} from zero in order of k; then the lanes of the two chains are added pairwise
 * and summed as {@link RowKernel#sum} does; the remaining cols % 8 columns go to one scalar chain {@code e =
 * Math.fma(w, x, e)} from zero; the result is that sum plus e.
 */
abstract class FloatRowKernel extends TiledKernel implements PanelKernel.Widener {
    FloatRowKernel(Activations.Format format) {
        super(format);
    }

    /**
     * Widens the weights in columns [c, c + count) of the row at byte {@code off} into dst[0 .. count); {@code bits}
     * is scratch of at least {@code count} shorts.
     */
    @Override
    public abstract void widen(MemorySegment w, long off, int c, int count, short[] bits, float[] dst);
}
