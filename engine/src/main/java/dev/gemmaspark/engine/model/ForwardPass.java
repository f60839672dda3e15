package dev.gemmaspark.engine.model;

import static dev.gemmaspark.engine.model.Gemma3nConfig.ALTUP_STREAMS;
import static dev.gemmaspark.engine.model.Gemma3nConfig.LAUREL_RANK;
import static dev.gemmaspark.engine.model.Gemma3nConfig.PER_LAYER_DIM;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import java.util.function.IntConsumer;

/**
 * The Gemma 3n forward pass over a {@link ForwardBatch}, exactly as llama.cpp's {@code gemma3n} graph
 * computes it (spec section 5). Holds the scratch activations for up to {@code maxTokens} tokens, so one
 * instance serves one caller at a time (like a llama.cpp context); the model it runs is shared.
 *
 * <p>Every token's arithmetic depends only on that token, its position and its own sequence's cache:
 * the output of a sequence does not change with what else is in the batch. Prompt and generated tokens go through
 * the same kernels ({@link WeightMatrix#matmul}) in one pass over each matrix per step, so a prompt token's
 * activations are those it would have as a generated token.
 *
 * <p>The per-token steps between the matmuls (norms, AltUp, RoPE, GELU) run on the pool too, token by token
 * ({@link #forEachToken}), and the soft-capping of the logits range by range: on the calling thread alone they were
 * a quarter of a 16-token step, with the other threads idle. Which thread computes a token does not change its
 * arithmetic.
 */
public final class ForwardPass implements ForwardBackend {
    private static final float SQRT_HALF = 0.70710677f;
    private static final float SPARSITY_STD_MUL = 1.6448533535003662f;

    private final Gemma3nModel model;
    private final Gemma3nConfig c;
    private final Gemma3nWeights w;
    private final ThreadPool pool;
    private final boolean exactGelu;
    private final int maxTokens;
    /** theta_scale of the two RoPE bases: table 0 for the sliding-window layers, 1 for the global ones. */
    private final float[] ropeThetaScale = new float[2];
    /** Per token and table, cos and sin of its position's angles: computed once per pass, not per layer and head. */
    private final float[] ropeCos;
    private final float[] ropeSin;
    private TensorObserver observer;

    private final float[] x0;
    private final float[] perLayer;
    private final ThreadLocal<float[]> perLayerTok;
    private final float[] streams;
    private final float[] pred;
    private final float[] xn;
    private final float[] laurel;
    private final float[] laurelMid;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] kqv;
    private final float[] attn;
    private final float[] al;
    private final float[] up;
    private final float[] gate;
    private final float[] ffn;
    private final float[] tmp;
    private final float[] mod;
    private final float[] coef;
    private final float[] gt;
    private final float[] pp;
    private final CachedAttention attention;

    public ForwardPass(Gemma3nModel model, ThreadPool pool, int maxTokens, boolean exactGelu) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        this.model = model;
        this.c = model.config();
        this.w = model.weights();
        this.pool = pool;
        this.exactGelu = exactGelu;
        this.maxTokens = maxTokens;
        int d = c.nEmbd();
        int lp = c.nLayer() * PER_LAYER_DIM;
        int t = maxTokens;
        x0 = new float[t * d];
        perLayer = new float[t * lp];
        perLayerTok = ThreadLocal.withInitial(() -> new float[lp]);
        streams = new float[ALTUP_STREAMS * t * d];
        pred = new float[ALTUP_STREAMS * t * d];
        xn = new float[t * d];
        laurel = new float[t * d];
        laurelMid = new float[t * LAUREL_RANK];
        q = new float[t * c.qDim()];
        k = new float[t * c.kvDim()];
        v = new float[t * c.kvDim()];
        kqv = new float[t * c.qDim()];
        attn = new float[t * d];
        al = new float[t * d];
        up = new float[t * c.nFF()];
        gate = new float[t * c.nFF()];
        ffn = new float[t * d];
        tmp = new float[t * d];
        mod = new float[t * ALTUP_STREAMS];
        coef = new float[t * ALTUP_STREAMS * ALTUP_STREAMS];
        gt = new float[t * PER_LAYER_DIM];
        pp = new float[t * d];
        ropeThetaScale[0] = VectorMath.ropeThetaScale(c.ropeBaseSwa(), c.headDim());
        ropeThetaScale[1] = VectorMath.ropeThetaScale(c.ropeBase(), c.headDim());
        ropeCos = new float[t * 2 * (c.headDim() / 2)];
        ropeSin = new float[t * 2 * (c.headDim() / 2)];
        attention = new CachedAttention(c, pool, maxTokens, model.maxContext());
    }

    @Override
    public Gemma3nModel model() {
        return model;
    }

    @Override
    public int maxTokens() {
        return maxTokens;
    }

    /** A cache in host memory, which {@link CachedAttention} reads in place. */
    @Override
    public KVCache newCache(int contextLength, int maxChunk) {
        return new KVCache(c, contextLength, maxChunk);
    }

    /** Receives every intermediate tensor of later passes (null: none). For tests and debugging. */
    public void setObserver(TensorObserver observer) {
        this.observer = observer;
    }

    @Override
    public void forward(ForwardBatch batch, float[] logits) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        if (n > maxTokens) {
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds this pass's " + maxTokens);
        }
        if (batch.outputs() > 0 && logits.length < (long) batch.outputs() * c.vocabSize()) {
            throw new IllegalArgumentException("logits buffer too small for " + batch.outputs() + " rows");
        }
        for (int t = 0; t < n; t++) {
            int tok = batch.tokens[t];
            if (tok < 0 || tok >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tok + " is outside the vocabulary [0, "
                        + c.vocabSize() + ")");
            }
        }
        embed(batch, n);
        forEachToken(n, t -> {
            for (int r = 0; r < 2; r++) {
                VectorMath.ropeAngles(batch.positions[t], ropeThetaScale[r], c.headDim() / 2, ropeCos, ropeSin,
                        ropeAngles(t, r));
            }
        });
        for (int l = 0; l < c.nLayer(); l++) {
            layer(l, batch, n);
        }
        output(batch, n, logits);
    }

    /** Spec 5.1 and 5.2: scaled embeddings, per-layer inputs, and the four AltUp streams. */
    private void embed(ForwardBatch batch, int n) {
        int d = c.nEmbd();
        int lp = c.nLayer() * PER_LAYER_DIM;
        float embScale = (float) Math.sqrt(d);
        forEachToken(n, t -> {
            if (batch.embeddings[t] != null) {
                System.arraycopy(batch.embeddings[t], batch.embeddingOffsets[t], x0, t * d, d);
            } else {
                w.tokenEmbd.dequantizeRow(batch.tokens[t], x0, t * d);
                VectorMath.scale(x0, t * d, embScale, x0, t * d, d);
            }
        });
        observe("inp_scaled", x0, 0, n * d);

        w.perLayerModelProj.matmul(pool, x0, 0, n, perLayer, 0);
        float projScale = 1.0f / embScale;
        forEachToken(n, t -> {
            VectorMath.scale(perLayer, t * lp, projScale, perLayer, t * lp, lp);
            for (int l = 0; l < c.nLayer(); l++) {
                int off = t * lp + l * PER_LAYER_DIM;
                VectorMath.rmsNorm(perLayer, off, w.perLayerProjNorm, perLayer, off, PER_LAYER_DIM, c.rmsEps());
            }
        });
        observe("per_layer_proj", perLayer, 0, n * lp);
        forEachToken(n, t -> {
            float[] row = perLayerTok.get();
            w.perLayerTokenEmbd.dequantizeRow(batch.tokens[t], row, 0);
            VectorMath.scale(row, 0, (float) Math.sqrt(PER_LAYER_DIM), row, 0, lp);
            VectorMath.add(perLayer, t * lp, row, 0, perLayer, t * lp, lp);
            VectorMath.scale(perLayer, t * lp, SQRT_HALF, perLayer, t * lp, lp);
        });
        observe("inp_per_layer", perLayer, 0, n * lp);

        System.arraycopy(x0, 0, streams, 0, n * d);
        for (int s = 1; s < ALTUP_STREAMS; s++) {
            w.altupProj[s - 1].matmul(pool, x0, 0, n, streams, s * n * d);
        }
        forEachToken(n, t -> matchMagnitude(streams, n, t));
        observe("inp_stacked", streams, 0, ALTUP_STREAMS * n * d);
    }

    /**
     * Rescales streams 1..3 of token t in {@code buf} (laid out as the streams) to the L2 norm of its
     * stream 0: {@code (y * m0) / |y|}, multiply then divide, no epsilon.
     */
    private void matchMagnitude(float[] buf, int n, int t) {
        int d = c.nEmbd();
        float m0 = (float) Math.sqrt((float) VectorMath.sumOfSquares(buf, t * d, d));
        for (int s = 1; s < ALTUP_STREAMS; s++) {
            int off = s * n * d + t * d;
            float mk = (float) Math.sqrt((float) VectorMath.sumOfSquares(buf, off, d));
            for (int i = 0; i < d; i++) {
                buf[off + i] = (buf[off + i] * m0) / mk;
            }
        }
    }

    private void layer(int l, ForwardBatch batch, int n) {
        Gemma3nWeights.Layer lw = w.layers[l];
        int d = c.nEmbd();
        float eps = c.rmsEps();

        // AltUp predict: mix the four streams with coefficients routed from the active stream.
        route(lw, streams, 0, n);
        forEachToken(n, t -> {
            for (int o = 0; o < ALTUP_STREAMS * ALTUP_STREAMS; o++) {
                float sum = 0f;
                for (int s = 0; s < ALTUP_STREAMS; s++) {
                    sum += lw.altupPredictCoef()[o * ALTUP_STREAMS + s] * mod[t * ALTUP_STREAMS + s];
                }
                coef[t * 16 + o] = sum;
            }
            for (int j = 0; j < ALTUP_STREAMS; j++) {
                int cOff = t * 16 + j * ALTUP_STREAMS;
                int out = j * n * d + t * d;
                for (int i = 0; i < d; i++) {
                    float sum = 0f;
                    for (int s = 0; s < ALTUP_STREAMS; s++) {
                        sum += streams[s * n * d + t * d + i] * coef[cOff + s];
                    }
                    pred[out + i] = streams[out + i] + sum;
                }
            }
            // pred stream 0 is the active input of the block
            VectorMath.rmsNorm(pred, t * d, lw.attnNorm(), xn, t * d, d, eps);
        });
        observe("predictions", l, pred, 0, ALTUP_STREAMS * n * d);
        observe("attn_norm", l, xn, 0, n * d);

        // LAuReL: a low-rank residual branch on the normalised input.
        lw.laurelL().matmul(pool, xn, 0, n, laurelMid, 0);
        lw.laurelR().matmul(pool, laurelMid, 0, n, laurel, 0);
        forEachToken(n, t -> {
            VectorMath.rmsNorm(laurel, t * d, lw.laurelPostNorm(), laurel, t * d, d, eps);
            VectorMath.add(laurel, t * d, xn, t * d, laurel, t * d, d);
        });
        observe("laurel_out", l, laurel, 0, n * d);

        attention(l, lw, batch, n);

        forEachToken(n, t -> {
            int off = t * d;
            VectorMath.rmsNorm(attn, off, lw.postAttentionNorm(), attn, off, d, eps);
            VectorMath.add(attn, off, pred, off, al, off, d);
            VectorMath.add(al, off, laurel, off, al, off, d);
            VectorMath.scale(al, off, SQRT_HALF, al, off, d);
            VectorMath.rmsNorm(al, off, lw.ffnNorm(), tmp, off, d, eps);
        });
        observe("attn_post_norm", l, attn, 0, n * d);
        observe("ffn_norm", l, tmp, 0, n * d);

        feedForward(l, lw, n);

        // AltUp correct: propagate the block's innovation to every stream.
        forEachToken(n, t -> VectorMath.add(ffn, t * d, al, t * d, ffn, t * d, d));
        route(lw, ffn, 0, n);
        forEachToken(n, t -> {
            for (int j = 0; j < ALTUP_STREAMS; j++) {
                float sum = 0f;
                for (int s = 0; s < ALTUP_STREAMS; s++) {
                    sum += lw.altupCorrectCoef()[j * ALTUP_STREAMS + s] * mod[t * ALTUP_STREAMS + s];
                }
                coef[t * 16 + j] = sum + 1.0f;
            }
            int off = t * d;
            for (int i = 0; i < d; i++) {
                tmp[off + i] = ffn[off + i] - pred[off + i];
            }
            for (int j = 0; j < ALTUP_STREAMS; j++) {
                float cc = coef[t * 16 + j];
                int so = j * n * d + off;
                for (int i = 0; i < d; i++) {
                    streams[so + i] = tmp[off + i] * cc + pred[so + i];
                }
            }
        });
        observe("corrected", l, streams, 0, ALTUP_STREAMS * n * d);

        perLayerInput(l, lw, n);
        observe("l_out", l, streams, 0, ALTUP_STREAMS * n * d);
    }

    /** {@code mod = tanh(router · (RMSNorm(x, router_norm) / D))} for every token. */
    private void route(Gemma3nWeights.Layer lw, float[] x, int xOff, int n) {
        int d = c.nEmbd();
        forEachToken(n, t -> {
            VectorMath.rmsNorm(x, xOff + t * d, lw.altupRouterNorm(), tmp, t * d, d, c.rmsEps());
            VectorMath.scale(tmp, t * d, 1.0f / d, tmp, t * d, d);
        });
        lw.altupRouter().matmul(pool, tmp, 0, n, mod, 0);
        for (int i = 0; i < n * ALTUP_STREAMS; i++) {
            mod[i] = VectorMath.tanh(mod[i]);
        }
    }

    private void attention(int l, Gemma3nWeights.Layer lw, ForwardBatch batch, int n) {
        int hd = c.headDim();
        int nh = c.nHead();
        int nkv = c.nHeadKv();
        int qd = c.qDim();
        int kvd = c.kvDim();
        float eps = c.rmsEps();
        lw.attnQ().matmul(pool, xn, 0, n, q, 0);
        int rope = c.sliding()[l] ? 0 : 1;
        forEachToken(n, t -> {
            int angles = ropeAngles(t, rope);
            for (int h = 0; h < nh; h++) {
                int off = t * qd + h * hd;
                VectorMath.rmsNorm(q, off, lw.attnQNorm(), q, off, hd, eps);
                VectorMath.ropeNeox(q, off, hd, ropeCos, ropeSin, angles);
            }
        });
        observe("Qcur_pos", l, q, 0, n * qd);
        int kvLayer = c.kvSourceLayer(l);
        if (kvLayer == l) {
            lw.attnK().matmul(pool, xn, 0, n, k, 0);
            lw.attnV().matmul(pool, xn, 0, n, v, 0);
            forEachToken(n, t -> {
                int angles = ropeAngles(t, rope);
                for (int h = 0; h < nkv; h++) {
                    int off = t * kvd + h * hd;
                    VectorMath.rmsNorm(k, off, lw.attnKNorm(), k, off, hd, eps);
                    VectorMath.ropeNeox(k, off, hd, ropeCos, ropeSin, angles);
                    VectorMath.rmsNorm(v, off, null, v, off, hd, eps);
                }
                batch.caches[t].write(l, batch.positions[t], k, t * kvd, v, t * kvd);
            });
            observe("Kcur_pos", l, k, 0, n * kvd);
            observe("Vcur_normed", l, v, 0, n * kvd);
        }
        attention.attend(batch, n, kvLayer, c.sliding()[l], q, kqv);
        observe("kqv_out", l, kqv, 0, n * qd);
        lw.attnOutput().matmul(pool, kqv, 0, n, attn, 0);
    }

    /** Spec 5.3 step 8: gated GELU FFN, with the Gaussian top-k on the gate in the first layers. */
    private void feedForward(int l, Gemma3nWeights.Layer lw, int n) {
        int d = c.nEmbd();
        int ff = c.nFF();
        lw.ffnUp().matmul(pool, tmp, 0, n, up, 0);
        lw.ffnGate().matmul(pool, tmp, 0, n, gate, 0);
        forEachToken(n, t -> {
            int off = t * ff;
            if (l < Gemma3nConfig.SPARSE_LAYERS) {
                gaussianTopK(gate, off, ff);
            }
            VectorMath.gelu(gate, off, ff, exactGelu);
            VectorMath.mul(up, off, gate, off, up, off, ff);
        });
        lw.ffnDown().matmul(pool, up, 0, n, ffn, 0);
        observe("ffn_out", l, ffn, 0, n * d);
        forEachToken(n, t -> VectorMath.rmsNorm(ffn, t * d, lw.postFfwNorm(), ffn, t * d, d, c.rmsEps()));
        observe("ffn_post_norm", l, ffn, 0, n * d);
    }

    /** Keeps only what exceeds mean + 1.645 std (N-1 divisor), shifted down by that cutoff. */
    private static void gaussianTopK(float[] x, int off, int n) {
        double sum = 0.0;
        for (int i = off; i < off + n; i++) {
            sum += x[i];
        }
        float mean = (float) sum / (float) n;
        double sq = 0.0;
        for (int i = off; i < off + n; i++) {
            float dv = x[i] - mean;
            float d2 = dv * dv;
            sq += d2;
        }
        float std = (float) Math.sqrt((float) sq * (1.0f / (n - 1)));
        float cutoff = mean + std * SPARSITY_STD_MUL;
        for (int i = off; i < off + n; i++) {
            x[i] = Math.max(0f, x[i] - cutoff);
        }
    }

    /** Spec 5.3 steps 11-12: the per-layer input, gated by the corrected active stream, joins streams 1..3. */
    private void perLayerInput(int l, Gemma3nWeights.Layer lw, int n) {
        int d = c.nEmbd();
        int lp = c.nLayer() * PER_LAYER_DIM;
        forEachToken(n, t -> VectorMath.mul(streams, t * d, lw.altupCorrectScale(), 0, tmp, t * d, d));
        lw.inpGate().matmul(pool, tmp, 0, n, gt, 0);
        forEachToken(n, t -> {
            int off = t * PER_LAYER_DIM;
            VectorMath.gelu(gt, off, PER_LAYER_DIM, exactGelu);
            VectorMath.mul(gt, off, perLayer, t * lp + l * PER_LAYER_DIM, gt, off, PER_LAYER_DIM);
        });
        lw.proj().matmul(pool, gt, 0, n, pp, 0);
        forEachToken(n, t -> VectorMath.rmsNorm(pp, t * d, lw.postNorm(), pp, t * d, d, c.rmsEps()));
        observe("first_prediction_out", l, pp, 0, n * d);
        forEachToken(n, t -> {
            for (int s = 1; s < ALTUP_STREAMS; s++) {
                int off = s * n * d + t * d;
                VectorMath.add(streams, off, pp, t * d, streams, off, d);
            }
        });
    }

    /** Spec 5.5: merge the streams, final norm, tied output projection, soft-capping. */
    private void output(ForwardBatch batch, int n, float[] logits) {
        int d = c.nEmbd();
        System.arraycopy(streams, 0, pred, 0, n * d);
        for (int s = 1; s < ALTUP_STREAMS; s++) {
            w.altupUnembdProj[s - 1].matmul(pool, streams, s * n * d, n, pred, s * n * d);
        }
        forEachToken(n, t -> matchMagnitude(pred, n, t));
        observe("altup_unembd", pred, n * d, (ALTUP_STREAMS - 1) * n * d);
        forEachToken(n, t -> {
            int off = t * d;
            for (int i = 0; i < d; i++) {
                float sum = pred[off + i];
                for (int s = 1; s < ALTUP_STREAMS; s++) {
                    sum += pred[s * n * d + off + i];
                }
                tmp[off + i] = sum * 0.25f;
            }
        });
        observe("unembd_merged", tmp, 0, n * d);
        if (observer != null) {
            for (int t = 0; t < n; t++) {
                VectorMath.rmsNorm(tmp, t * d, w.outputNorm, pp, t * d, d, c.rmsEps());
            }
            observe("result_norm", pp, 0, n * d);
        }
        int rows = 0;
        for (int t = 0; t < n; t++) {
            if (batch.wantLogits[t]) {
                VectorMath.rmsNorm(tmp, t * d, w.outputNorm, xn, rows * d, d, c.rmsEps());
                rows++;
            }
        }
        if (rows == 0) {
            return;
        }
        w.output.matmul(pool, xn, 0, rows, logits, 0);
        pool.parallelFor(rows * c.vocabSize(), (start, end) ->
                VectorMath.softcap(logits, start, end - start, Gemma3nConfig.LOGIT_SOFTCAP));
    }

    /** Where token t's cos and sin of RoPE table r start in {@link #ropeCos} and {@link #ropeSin}. */
    private int ropeAngles(int t, int r) {
        return (2 * t + r) * (c.headDim() / 2);
    }

    /**
     * Runs {@code step} for every token in [0, n), spread over the pool; for the per-token steps between matmuls,
     * which write only their own token's rows.
     */
    private void forEachToken(int n, IntConsumer step) {
        pool.parallelFor(n, (start, end) -> {
            for (int t = start; t < end; t++) {
                step.accept(t);
            }
        });
    }

    private void observe(String name, float[] data, int offset, int length) {
        if (observer != null) {
            observer.observe(name, data, offset, length);
        }
    }

    /** {@link #observe} of layer {@code layer}'s tensor {@code name}, named "name-layer" only when an observer is set. */
    private void observe(String name, int layer, float[] data, int offset, int length) {
        if (observer != null) {
            observer.observe(name + "-" + layer, data, offset, length);
        }
    }
}
