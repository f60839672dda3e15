package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.audio.Workspace.Slot;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import java.util.Arrays;

/**
 * The Conformer's light convolution module: {@code x += W_end * silu(rmsNorm_conv(dwconv(glu(W_start *
 * rmsNorm_pre(x)))))}, where GLU keeps the first half times the sigmoid of the second and the depthwise
 * convolution is causal in time (kernel K, zero before the clip's first step).
 */
final class LightConv {
    private static final int CHUNK_ROWS = 512;

    private final int dim;
    private final int kernel;
    private final float eps;
    private final float[] preNorm;
    private final WeightMatrix start;
    /** The depthwise weights transposed to [k][channel], so the inner loop runs along channels. */
    private final float[] depthwise;
    private final float[] convNorm;
    private final WeightMatrix end;

    LightConv(AudioWeights weights, String prefix, AudioConfig c) {
        dim = c.hiddenSize();
        kernel = c.convKernel();
        eps = c.rmsNormEps();
        preNorm = Tensors.vector(weights, prefix + "pre_layer_norm.weight", dim);
        start = Tensors.matrix(weights, prefix + "linear_start.weight", 2 * dim, dim);
        float[] w = Tensors.vector(weights, prefix + "depthwise_conv1d.weight", dim, 1, kernel);
        depthwise = new float[kernel * dim];
        for (int ch = 0; ch < dim; ch++) {
            for (int j = 0; j < kernel; j++) {
                depthwise[j * dim + ch] = w[ch * kernel + j];
            }
        }
        convNorm = Tensors.vector(weights, prefix + "conv_norm.weight", dim);
        end = Tensors.matrix(weights, prefix + "linear_end.weight", dim, dim);
    }

    /** In place on the batch's rows of {@code x}. */
    void forward(ThreadPool pool, float[] x, ClipBatch batch, Workspace ws) {
        int rows = batch.rows();
        float[] gated = ws.get(Slot.GATED, rows * dim);
        int chunk = Math.min(rows, CHUNK_ROWS);
        float[] normed = ws.get(Slot.NORMED, chunk * dim);
        float[] wide = ws.get(Slot.WIDE, chunk * 2 * dim);
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int n = Math.min(chunk, rows - r0);
            RowOps.rmsNorm(pool, x, r0 * dim, preNorm, normed, 0, n, dim, eps);
            start.matmulDequantized(pool, normed, 0, n, wide, 0);
            int base = r0;
            pool.parallelFor(n, (s, e) -> {
                for (int r = s; r < e; r++) {
                    for (int ch = 0; ch < dim; ch++) {
                        gated[(base + r) * dim + ch] = wide[r * 2 * dim + ch] * RowOps.sigmoid(wide[r * 2 * dim + dim + ch]);
                    }
                }
            });
        }
        float[] conv = ws.get(Slot.CONTEXT, rows * dim);
        pool.parallelFor(rows, (s, e) -> {
            for (int row = s; row < e; row++) {
                int clipStart = batch.clipStartOfRow(row);
                int out = row * dim;
                Arrays.fill(conv, out, out + dim, 0f);
                for (int j = 0; j < kernel; j++) {
                    int src = row - (kernel - 1) + j;
                    if (src < clipStart) {
                        continue;
                    }
                    for (int ch = 0; ch < dim; ch++) {
                        conv[out + ch] += depthwise[j * dim + ch] * gated[src * dim + ch];
                    }
                }
            }
        });
        RowOps.rmsNorm(pool, conv, 0, convNorm, conv, 0, rows, dim, eps);
        RowOps.silu(pool, conv, rows * dim);
        float[] projected = ws.get(Slot.PROJECTED, rows * dim);
        end.matmulDequantized(pool, conv, 0, rows, projected, 0);
        RowOps.addScaled(pool, x, 0, projected, 0, 1f, rows, dim);
    }
}
