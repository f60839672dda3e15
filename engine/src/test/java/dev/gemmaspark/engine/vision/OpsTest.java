package dev.gemmaspark.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The tower's own kernels against plain arithmetic, and their independence from the batch. */
class OpsTest {

    @Test
    void linearIsTheMatrixProductWhateverTheTileAPixelFallsIn() {
        SplittableRandom random = new SplittableRandom(7);
        // a partial panel, a partial slice, and with 2 threads 4 blocks of 12, 12, 12 and 11 pixels (the last ending
        // in a partial tile); each pixel alone is a block of one partial tile
        int rows = 2 * Linear.PANEL + 5;
        int cols = Linear.SLICE + 37;
        int n = 47;
        float[] w = new float[rows * cols];
        float[] x = new float[n * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Linear m = Linear.of(w, rows, cols);
        float[] all = new float[n * rows + 3];
        try (ThreadPool pool = new ThreadPool(2)) {
            m.multiply(pool, x, 0, n, all, 0);
            for (int t = 0; t < n; t++) {
                float[] alone = new float[rows];
                m.multiply(pool, x, t * cols, 1, alone, 0);
                assertArrayEquals(alone, Arrays.copyOfRange(all, t * rows, (t + 1) * rows), "pixel " + t);
                for (int r = 0; r < rows; r++) {
                    float chain = 0f;
                    for (int c = 0; c < cols; c++) {
                        chain = Math.fma(w[r * cols + c], x[t * cols + c], chain);
                    }
                    assertEquals(chain, all[t * rows + r], "pixel " + t + ", row " + r);
                }
            }
        }
        assertEquals(0f, all[n * rows], "nothing written past the last pixel");
    }

    @Test
    void geluIsWithinAFewUlpsOfTheFloatFunction() {
        float[] x = new float[1001];
        for (int i = 0; i < x.length; i++) {
            x[i] = -12f + 24f * i / 1000;
        }
        float[] g = x.clone();
        Ops.gelu(g, 0, g.length);
        for (int i = 0; i < x.length; i++) {
            // ggml's 1 + tanh cancels for negative x: its error is absolute, a few ulps of 1 times |x| / 2
            assertEquals(VectorMath.gelu(x[i]), g[i], 4 * Math.ulp(1f) * Math.max(1f, Math.abs(x[i])), "gelu " + x[i]);
        }
    }
}
