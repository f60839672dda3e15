package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Quantized weights against many tokens as a matrix product: each thread dequantizes a panel of rows to f32
 * ({@link RowDecoder}, exactly as get_rows does) into its scratch buffer, once for all the tokens of the call,
 * then multiplies the panel with the tokens' activations in register tiles of 3 rows x 4 tokens, so that every
 * load feeds three or four multiply-adds. The activations are those of the call's {@link Activations.Format},
 * as f32 values (for the Q8 formats, the quantized values times their block scale).
 *
 * <p>Every (row, token) accumulates its own 8 lanes over the columns in order, then takes the fixed-order lane
 * sum and the scalar tail: the arithmetic does not depend on the tile an element falls in (tiles at the edges
 * repeat a row or a token and drop the copy), nor on the number of tokens or threads.
 */
final class PanelKernel extends RowKernel {
    /** Rows dequantized at a time: 4 tiles of 3; 12 rows of E2B's widest matrix (8192 columns) fill 384 KiB of L2. */
    static final int PANEL_ROWS = 12;
    static final int TILE_ROWS = 3;
    static final int TILE_TOKENS = 4;
    /** Lanes of the 12 accumulators of a tile, row-major: (row i, token j) at 8 * (4i + j). */
    static final int TILE_LANES = 8 * TILE_ROWS * TILE_TOKENS;

    private final RowDecoder decoder;

    PanelKernel(Activations.Format format, RowDecoder decoder) {
        super(format);
        this.decoder = decoder;
    }

    @Override
    boolean multipliesFloats() {
        return true;
    }

    @Override
    void rows(MemorySegment w, long rowBytes, int r0, int r1, Activations a, float[] out, int outOff, int stride) {
        int cols = a.cols;
        int n = a.n;
        Activations mine = Activations.forCurrentThread();
        float[] panel = mine.panelBuffer(PANEL_ROWS * cols);
        float[] lanes = mine.tileLanes;
        float[] x = a.values;
        int vectorCols = cols & -8;
        for (int p0 = r0; p0 < r1; p0 += PANEL_ROWS) {
            int rows = Math.min(PANEL_ROWS, r1 - p0);
            for (int i = 0; i < rows; i++) {
                decoder.decode(w, (p0 + i) * rowBytes, cols, panel, i * cols);
            }
            for (int t = 0; t < n; t += TILE_TOKENS) {
                int tokens = Math.min(TILE_TOKENS, n - t);
                int last = n - 1;
                for (int i = 0; i < rows; i += TILE_ROWS) {
                    int tileRows = Math.min(TILE_ROWS, rows - i);
                    int lastRow = rows - 1;
                    tile(panel, i * cols, Math.min(i + 1, lastRow) * cols, Math.min(i + 2, lastRow) * cols, x, t * cols,
                            Math.min(t + 1, last) * cols, Math.min(t + 2, last) * cols, Math.min(t + 3, last) * cols, vectorCols, lanes);
                    for (int r = 0; r < tileRows; r++) {
                        int row = (i + r) * cols;
                        for (int j = 0; j < tokens; j++) {
                            int token = (t + j) * cols;
                            float s = sum(lanes, 8 * (TILE_TOKENS * r + j));
                            for (int c = vectorCols; c < cols; c++) {
                                s = Math.fma(panel[row + c], x[token + c], s);
                            }
                            out[outOff + (t + j) * stride + p0 + i + r] = s;
                        }
                    }
                }
            }
        }
    }

    /** Panel rows at w0, w1, w2 against tokens at x0..x3, over the first {@code cols} columns, into {@code lanes}. */
    private static void tile(float[] panel, int w0, int w1, int w2, float[] x, int x0, int x1, int x2, int x3, int cols, float[] lanes) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        for (int c = 0; c < cols; c += 8) {
            FloatVector r0 = FloatVector.fromArray(F, panel, w0 + c);
            FloatVector r1 = FloatVector.fromArray(F, panel, w1 + c);
            FloatVector r2 = FloatVector.fromArray(F, panel, w2 + c);
            FloatVector v = FloatVector.fromArray(F, x, x0 + c);
            a00 = r0.fma(v, a00);
            a10 = r1.fma(v, a10);
            a20 = r2.fma(v, a20);
            v = FloatVector.fromArray(F, x, x1 + c);
            a01 = r0.fma(v, a01);
            a11 = r1.fma(v, a11);
            a21 = r2.fma(v, a21);
            v = FloatVector.fromArray(F, x, x2 + c);
            a02 = r0.fma(v, a02);
            a12 = r1.fma(v, a12);
            a22 = r2.fma(v, a22);
            v = FloatVector.fromArray(F, x, x3 + c);
            a03 = r0.fma(v, a03);
            a13 = r1.fma(v, a13);
            a23 = r2.fma(v, a23);
        }
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, 8);
        a02.intoArray(lanes, 16);
        a03.intoArray(lanes, 24);
        a10.intoArray(lanes, 32);
        a11.intoArray(lanes, 40);
        a12.intoArray(lanes, 48);
        a13.intoArray(lanes, 56);
        a20.intoArray(lanes, 64);
        a21.intoArray(lanes, 72);
        a22.intoArray(lanes, 80);
        a23.intoArray(lanes, 88);
    }
}
