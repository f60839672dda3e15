package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import java.util.Arrays;

/**
 * Mobile multi-query attention (gemma3n-vision spec 4.4): RMS norm; queries of {@code heads} heads by a 1x1
 * convolution; one key and one value head, each from the normed map or from its stride-2 depthwise down-convolution
 * with its own norm; per image, every query pixel attends to every key pixel (no mask, no positions); the heads go
 * through the 1x1 output projection, then layer scale and the residual.
 */
final class AttentionBlock implements Block {
    /** Query rows (pixel x head) whose scores are computed, normalized and applied together: 128 x 576 in L2. */
    private static final int ROWS_PER_CHUNK = 128;
    private final float[] norm;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;
    private final VisionTensors.Depthwise keyDown;
    private final float[] keyNorm;
    private final VisionTensors.Depthwise valueDown;
    private final float[] valueNorm;
    private final float[] gamma;
    private final int heads;
    private final int headDim;

    AttentionBlock(VisionTensors t, String prefix, int channels) {
        norm = t.vector(prefix + "norm.weight", channels);
        String attn = prefix + "attn.";
        headDim = (int) t.dim(attn + "key.proj.weight", 3);
        int queryWidth = (int) t.dim(attn + "query.proj.weight", 3);
        if (headDim <= 0 || queryWidth % headDim != 0) {
            throw new IllegalArgumentException(t.file().path() + ": " + attn + "query.proj.weight has " + queryWidth
                    + " outputs, not a multiple of the key's " + headDim);
        }
        heads = queryWidth / headDim;
        query = t.pointwise(attn + "query.proj.weight", channels, queryWidth);
        key = t.pointwise(attn + "key.proj.weight", channels, headDim);
        value = t.pointwise(attn + "value.proj.weight", channels, headDim);
        output = t.pointwise(attn + "output.proj.weight", queryWidth, channels);
        boolean down = t.has(attn + "key.down_conv.weight");
        keyDown = down ? t.depthwise(attn + "key.down_conv.weight", channels) : null;
        keyNorm = down ? t.vector(attn + "key.norm.weight", channels) : null;
        valueDown = down ? t.depthwise(attn + "value.down_conv.weight", channels) : null;
        valueNorm = down ? t.vector(attn + "value.norm.weight", channels) : null;
        gamma = t.has(prefix + "layer_scale.gamma") ? t.vector(prefix + "layer_scale.gamma", channels) : null;
    }

    @Override
    public FeatureMap forward(ThreadPool pool, MapArena maps, FeatureMap x) {
        FeatureMap normed = maps.allocate(x.images(), x.height(), x.width(), x.channels());
        System.arraycopy(x.data(), 0, normed.data(), 0, x.size());
        Ops.normalize(pool, normed, norm, false);
        FeatureMap q = Ops.pointwise(pool, maps, normed, query);
        FeatureMap k = project(pool, maps, normed, keyDown, keyNorm, key);
        FeatureMap v = project(pool, maps, normed, valueDown, valueNorm, value);
        maps.release(normed);
        FeatureMap o = attend(pool, maps, q, k, v);
        maps.release(q, k, v);
        FeatureMap y = Ops.pointwise(pool, maps, o, output);
        maps.release(o);
        Ops.scaleAndAdd(pool, y, gamma, x);
        return y;
    }

    /** The key or value head: from the normed map, or from its normed stride-2 down-convolution. */
    private static FeatureMap project(ThreadPool pool, MapArena maps, FeatureMap normed,
            VisionTensors.Depthwise down, float[] downNorm, Linear w) {
        if (down == null) {
            return Ops.pointwise(pool, maps, normed, w);
        }
        FeatureMap d = Ops.normalize(pool, Ops.depthwise(pool, maps, normed, down, 2), downNorm, false);
        FeatureMap p = Ops.pointwise(pool, maps, d, w);
        maps.release(d);
        return p;
    }

    /**
     * softmax((q_h k^T) / sqrt(Dh)) v for every head h, query pixel and image; keys of the same image only. The
     * queries {@code [N][heads][Dh]} are N x heads rows of Dh, so per image the scores of all heads are one matrix
     * product with the keys {@code [M][Dh]} and the outputs one product with the values transposed {@code [Dh][M]}.
     */
    private FeatureMap attend(ThreadPool pool, MapArena maps, FeatureMap q, FeatureMap k, FeatureMap v) {
        int n = q.height() * q.width();
        int m = k.height() * k.width();
        int rows = n * heads;
        float scale = 1.0f / (float) Math.sqrt(headDim);
        FeatureMap o = maps.allocate(q.images(), q.height(), q.width(), heads * headDim);
        float[] transposed = new float[headDim * m];
        int chunks = Math.ceilDiv(rows, ROWS_PER_CHUNK);
        for (int image = 0; image < q.images(); image++) {
            int kv = image * m * headDim;
            Linear keys = Linear.of(Arrays.copyOfRange(k.data(), kv, kv + m * headDim), m, headDim);
            for (int j = 0; j < m; j++) {
                for (int d = 0; d < headDim; d++) {
                    transposed[d * m + j] = v.data()[kv + j * headDim + d];
                }
            }
            Linear values = Linear.of(transposed, headDim, m);
            int base = image * rows * headDim;
            // a chunk's scores stay in the cache from the product through the softmax to the second product;
            // products called inside a pool task run on that task's thread
            pool.parallelFor(chunks, (s, e) -> {
                float[] scores = new float[ROWS_PER_CHUNK * m];
                for (int chunk = s; chunk < e; chunk++) {
                    int r0 = chunk * ROWS_PER_CHUNK;
                    int count = Math.min(ROWS_PER_CHUNK, rows - r0);
                    keys.multiply(pool, q.data(), base + r0 * headDim, count, scores, 0);
                    for (int r = 0; r < count; r++) {
                        VectorMath.softmax(scores, r * m, m, scale);
                    }
                    values.multiply(pool, scores, 0, count, o.data(), base + r0 * headDim);
                }
            });
        }
        return o;
    }

    @Override
    public long multiplyAdds(int height, int width) {
        long n = (long) height * width;
        long m = keyDown == null ? n : (long) Ops.sameOut(height, 2) * Ops.sameOut(width, 2);
        long macs = n * query.rows() * query.cols() + 2 * m * key.rows() * key.cols()
                + 2 * n * heads * m * headDim + n * output.rows() * output.cols();
        if (keyDown != null) {
            macs += m * (keyDown.taps().length + valueDown.taps().length);
        }
        return macs;
    }

    @Override
    public int outputSide(int n) {
        return n;
    }

    @Override
    public int channels() {
        return output.rows();
    }

    @Override
    public long parameters() {
        long n = norm.length + (long) query.rows() * query.cols() + (long) key.rows() * key.cols()
                + (long) value.rows() * value.cols() + (long) output.rows() * output.cols()
                + (gamma == null ? 0 : gamma.length);
        if (keyDown != null) {
            n += keyDown.taps().length + keyNorm.length + valueDown.taps().length + valueNorm.length;
        }
        return n;
    }

    @Override
    public VisionConfig.BlockKind kind() {
        return VisionConfig.BlockKind.ATTENTION;
    }

    @Override
    public String toString() {
        return "multi-query attention, " + heads + " heads x " + headDim
                + (keyDown != null ? ", key/value down-conv " + keyDown.kernel() + "x" + keyDown.kernel() + "/2" : "")
                + ", " + output.rows() + " channels";
    }
}
