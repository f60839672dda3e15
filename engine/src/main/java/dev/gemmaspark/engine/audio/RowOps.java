package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;

/**
 * Row-wise and element-wise float operations of the encoder, spread over the pool's threads. Offsets are in
 * floats; rows are {@code dim} wide and consecutive.
 */
final class RowOps {
    private RowOps() {
    }

    /** {@code out[r] = rmsNorm(x[r]) * w} for {@code rows} rows; {@code w} null for a norm without scale. */
    static void rmsNorm(ThreadPool pool, float[] x, int xOff, float[] w, float[] out, int outOff, int rows, int dim,
            float eps) {
        pool.parallelFor(rows, (s, e) -> {
            for (int r = s; r < e; r++) {
                VectorMath.rmsNorm(x, xOff + r * dim, w, out, outOff + r * dim, dim, eps);
            }
        });
    }

    /** {@code x[r] += scale * y[r]} for {@code rows} rows. */
    static void addScaled(ThreadPool pool, float[] x, int xOff, float[] y, int yOff, float scale, int rows, int dim) {
        pool.parallelFor(rows, (s, e) -> {
            for (int r = s; r < e; r++) {
                VectorMath.axpy(scale, y, yOff + r * dim, x, xOff + r * dim, dim);
            }
        });
    }

    /** In place over {@code x[0..n)}: {@code x * sigmoid(x)}. */
    static void silu(ThreadPool pool, float[] x, int n) {
        pool.parallelFor(n, (s, e) -> {
            for (int i = s; i < e; i++) {
                x[i] = silu(x[i]);
            }
        });
    }

    static float silu(float x) {
        return (float) (x / (1.0 + Math.exp(-x)));
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }
}
