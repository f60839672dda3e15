package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.audio.Workspace.Slot;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.WeightMatrix;

/**
 * The Conformer's half-step feed-forward module:
 * {@code x += residualWeight * rmsNorm_post(W2 * silu(W1 * rmsNorm_pre(x)))}, W1 widening 4x.
 */
final class FeedForward {
    /** Rows per pass through the 4x-wide intermediate, which bounds its buffer. */
    private static final int CHUNK_ROWS = 512;

    private final int dim;
    private final float eps;
    private final float residualWeight;
    private final float[] preNorm;
    private final WeightMatrix up;
    private final WeightMatrix down;
    private final float[] postNorm;

    FeedForward(AudioWeights weights, String prefix, AudioConfig c) {
        dim = c.hiddenSize();
        eps = c.rmsNormEps();
        residualWeight = c.residualWeight();
        preNorm = Tensors.vector(weights, prefix + "pre_layer_norm.weight", dim);
        up = Tensors.matrix(weights, prefix + "ffw_layer_1.weight", 4 * dim, dim);
        down = Tensors.matrix(weights, prefix + "ffw_layer_2.weight", dim, 4 * dim);
        postNorm = Tensors.vector(weights, prefix + "post_layer_norm.weight", dim);
    }

    /** In place on rows [0, rows) of {@code x}. */
    void forward(ThreadPool pool, float[] x, int rows, Workspace ws) {
        int chunk = Math.min(rows, CHUNK_ROWS);
        float[] normed = ws.get(Slot.NORMED, chunk * dim);
        float[] wide = ws.get(Slot.WIDE, chunk * 4 * dim);
        float[] out = ws.get(Slot.PROJECTED, chunk * dim);
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int n = Math.min(chunk, rows - r0);
            RowOps.rmsNorm(pool, x, r0 * dim, preNorm, normed, 0, n, dim, eps);
            up.matmulDequantized(pool, normed, 0, n, wide, 0);
            RowOps.silu(pool, wide, n * 4 * dim);
            down.matmulDequantized(pool, wide, 0, n, out, 0);
            RowOps.rmsNorm(pool, out, 0, postNorm, out, 0, n, dim, eps);
            RowOps.addScaled(pool, x, r0 * dim, out, 0, residualWeight, n, dim);
        }
    }
}
