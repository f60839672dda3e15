package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.kernel.ThreadPool;
import java.util.Arrays;

/**
 * One Conformer block: half-step feed-forward, local attention, the validity mask, light convolution, half-step
 * feed-forward, then an RMS norm. The modules are package-visible so each can be checked on its own.
 */
final class ConformerBlock {
    final FeedForward ffwStart;
    final LocalAttention attention;
    final LightConv lightConv;
    final FeedForward ffwEnd;
    private final float[] norm;
    private final int dim;
    private final float eps;

    ConformerBlock(AudioWeights weights, String prefix, AudioConfig c, ThreadPool pool) {
        dim = c.hiddenSize();
        eps = c.rmsNormEps();
        ffwStart = new FeedForward(weights, prefix + "ffw_layer_start.", c);
        attention = new LocalAttention(weights, prefix + "attention.", c, pool);
        lightConv = new LightConv(weights, prefix + "lconv1d.", c);
        ffwEnd = new FeedForward(weights, prefix + "ffw_layer_end.", c);
        norm = Tensors.vector(weights, prefix + "norm.weight", dim);
    }

    /** In place on the batch's rows of {@code x}. */
    void forward(ThreadPool pool, float[] x, ClipBatch batch, Workspace ws) {
        ffwStart.forward(pool, x, batch.rows(), ws);
        attention.forward(pool, x, batch, ws);
        zeroInvalid(pool, x, batch);
        lightConv.forward(pool, x, batch, ws);
        ffwEnd.forward(pool, x, batch.rows(), ws);
        finalNorm(pool, x, batch.rows());
    }

    /** The light convolution sees invalid steps as zeros (HF multiplies by the validity mask). */
    void zeroInvalid(ThreadPool pool, float[] x, ClipBatch batch) {
        pool.parallelFor(batch.rows(), (s, e) -> {
            for (int r = s; r < e; r++) {
                if (!batch.valid(r)) {
                    Arrays.fill(x, r * dim, (r + 1) * dim, 0f);
                }
            }
        });
    }

    void finalNorm(ThreadPool pool, float[] x, int rows) {
        RowOps.rmsNorm(pool, x, 0, norm, x, 0, rows, dim, eps);
    }
}
