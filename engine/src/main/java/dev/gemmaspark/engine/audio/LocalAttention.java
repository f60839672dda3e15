package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.audio.Workspace.Slot;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import java.util.Arrays;

/**
 * The Conformer's attention module: {@code x += rmsNorm_post(W_post * attend(rmsNorm_pre(x)))}, where each query
 * step t sees itself and the {@code maxPast} steps before it (HF's chunked local attention, computed here directly
 * in its equivalent band form). The logit of key t-d is {@code q_t . (k_{t-d} + R_d)} with R the projected
 * sinusoid of distance d and q scaled per dimension, soft-capped by {@code cap * tanh(logit / cap)}; keys before
 * the clip's start or flagged invalid are excluded. A query with no allowed key (possible only on padding) gets a
 * zero context instead of HF's uniform average of padding.
 */
final class LocalAttention {
    private final int dim;
    private final int heads;
    private final int headDim;
    private final int window;
    private final float eps;
    private final float cap;
    private final float[] preNorm;
    private final WeightMatrix wq;
    private final WeightMatrix wk;
    private final WeightMatrix wv;
    private final WeightMatrix post;
    private final float[] postNorm;
    /** HF's {@code q_scale = head_dim^-0.5 / softplus(0)}. */
    private final float queryScale;
    /** softplus(per_dim_scale), per head dimension. */
    private final float[] dimScale;
    /** Row d (d = 0..maxPast) is R_d, the relative-position term of distance d, heads concatenated. */
    private final float[] relativePosition;

    LocalAttention(AudioWeights weights, String prefix, AudioConfig c, ThreadPool pool) {
        dim = c.hiddenSize();
        heads = c.numHeads();
        headDim = c.headDim();
        window = c.maxPast() + 1;
        eps = c.rmsNormEps();
        cap = c.logitCap();
        preNorm = Tensors.vector(weights, prefix + "pre_attn_norm.weight", dim);
        wq = Tensors.matrix(weights, prefix + "attn.q_proj.weight", dim, dim);
        wk = Tensors.matrix(weights, prefix + "attn.k_proj.weight", dim, dim);
        wv = Tensors.matrix(weights, prefix + "attn.v_proj.weight", dim, dim);
        post = Tensors.matrix(weights, prefix + "post.weight", dim, dim);
        postNorm = Tensors.vector(weights, prefix + "post_norm.weight", dim);
        queryScale = (float) (Math.pow(headDim, -0.5) / Math.log(2));
        float[] perDimScale = Tensors.vector(weights, prefix + "attn.per_dim_scale", headDim);
        dimScale = new float[headDim];
        for (int h = 0; h < headDim; h++) {
            dimScale[h] = softplus(perDimScale[h]);
        }
        WeightMatrix posProj = Tensors.matrix(weights, prefix + "attn.relative_position_embedding.pos_proj.weight", dim, dim);
        relativePosition = new float[window * dim];
        posProj.matmulDequantized(pool, timingSignal(window, dim), 0, window, relativePosition, 0);
    }

    /**
     * Rows p = 0..positions-1: {@code [sin(p * inv_i), cos(p * inv_i)]}, {@code inv_i = exp(-i * ln(1e4) / (dim/2 - 1))},
     * in float32 as HF computes it.
     */
    static float[] timingSignal(int positions, int dim) {
        int half = dim / 2;
        float increment = (float) (Math.log(1.0e4) / Math.max(half - 1, 1));
        float[] out = new float[positions * dim];
        for (int i = 0; i < half; i++) {
            float inv = (float) Math.exp(i * -increment);
            for (int p = 0; p < positions; p++) {
                float t = p * inv;
                out[p * dim + i] = (float) Math.sin(t);
                out[p * dim + half + i] = (float) Math.cos(t);
            }
        }
        return out;
    }

    private static float softplus(float x) {
        return (float) (x > 20 ? x : Math.log1p(Math.exp(x)));
    }

    /** In place on the batch's rows of {@code x}. */
    void forward(ThreadPool pool, float[] x, ClipBatch batch, Workspace ws) {
        int rows = batch.rows();
        float[] context = context(pool, x, batch, ws);
        float[] projected = ws.get(Slot.PROJECTED, rows * dim);
        post.matmulDequantized(pool, context, 0, rows, projected, 0);
        RowOps.rmsNorm(pool, projected, 0, postNorm, projected, 0, rows, dim, eps);
        RowOps.addScaled(pool, x, 0, projected, 0, 1f, rows, dim);
    }

    /** The attention output of {@code x}'s rows before the output projection, heads concatenated (a workspace buffer). */
    float[] context(ThreadPool pool, float[] x, ClipBatch batch, Workspace ws) {
        int rows = batch.rows();
        float[] q = ws.get(Slot.QUERY, rows * dim);
        float[] k = ws.get(Slot.KEY, rows * dim);
        queriesAndKeys(pool, x, rows, ws, q, k);
        float[] v = ws.get(Slot.VALUE, rows * dim);
        wv.matmulDequantized(pool, ws.get(Slot.NORMED, rows * dim), 0, rows, v, 0);
        float[] context = ws.get(Slot.CONTEXT, rows * dim);
        attend(pool, q, k, v, batch, context);
        return context;
    }

    /** The scaled queries and the keys of {@code x}'s rows; leaves the normed input in the NORMED slot. */
    void queriesAndKeys(ThreadPool pool, float[] x, int rows, Workspace ws, float[] q, float[] k) {
        float[] normed = ws.get(Slot.NORMED, rows * dim);
        RowOps.rmsNorm(pool, x, 0, preNorm, normed, 0, rows, dim, eps);
        wq.matmulDequantized(pool, normed, 0, rows, q, 0);
        wk.matmulDequantized(pool, normed, 0, rows, k, 0);
        pool.parallelFor(rows, (s, e) -> {
            for (int i = s * dim; i < e * dim; i++) {
                q[i] = q[i] * queryScale * dimScale[i % headDim];
            }
        });
    }

    /**
     * Pre-cap logits of query row {@code row}, head {@code head}, against keys row-d for d = 0..maxPast; keys before
     * the clip start contribute only their position term (HF's zero padding).
     */
    void logits(float[] q, float[] k, ClipBatch batch, int row, int head, float[] out) {
        int qOff = row * dim + head * headDim;
        int clipStart = batch.clipStartOfRow(row);
        for (int d = 0; d < window; d++) {
            float position = VectorMath.dot(q, qOff, relativePosition, d * dim + head * headDim, headDim);
            int key = row - d;
            float content = key >= clipStart ? VectorMath.dot(q, qOff, k, key * dim + head * headDim, headDim) : 0f;
            out[d] = content + position;
        }
    }

    private void attend(ThreadPool pool, float[] q, float[] k, float[] v, ClipBatch batch, float[] context) {
        pool.parallelFor(batch.rows(), (s, e) -> {
            float[] logit = new float[window];
            for (int row = s; row < e; row++) {
                int clipStart = batch.clipStartOfRow(row);
                for (int head = 0; head < heads; head++) {
                    int cOff = row * dim + head * headDim;
                    Arrays.fill(context, cOff, cOff + headDim, 0f);
                    logits(q, k, batch, row, head, logit);
                    float max = Float.NEGATIVE_INFINITY;
                    for (int d = 0; d < window; d++) {
                        int key = row - d;
                        if (key >= clipStart && batch.valid(key)) {
                            logit[d] = cap * (float) Math.tanh(logit[d] / cap);
                            max = Math.max(max, logit[d]);
                        } else {
                            logit[d] = Float.NEGATIVE_INFINITY;
                        }
                    }
                    if (max == Float.NEGATIVE_INFINITY) {
                        continue;
                    }
                    double sum = 0;
                    for (int d = 0; d < window; d++) {
                        float p = logit[d] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(logit[d] - max);
                        logit[d] = p;
                        sum += p;
                    }
                    float inv = (float) (1.0 / sum);
                    for (int d = 0; d < window; d++) {
                        if (logit[d] != 0f) {
                            VectorMath.axpy(logit[d] * inv, v, (row - d) * dim + head * headDim, context, cOff, headDim);
                        }
                    }
                }
            }
        });
    }
}
