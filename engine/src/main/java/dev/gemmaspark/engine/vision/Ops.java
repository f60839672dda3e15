package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The primitives of the MobileNetV5 graph (gemma3n-vision spec 4.0, as tools/mtmd/models/mobilenetv5.cpp builds
 * them) on channels-last {@link FeatureMap}s, spread over the pool's threads. Every output element is computed by
 * the same operations whatever the batch and thread count, so an image's result does not depend on its batch.
 */
final class Ops {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** RMS-norm epsilon: the graph hard-codes it, whatever the file's key says. */
    static final float EPS = 1e-6f;
    /** Floats of gathered patches per matrix product (16 MiB), so a large convolution runs in passes. */
    private static final int PATCH_FLOATS = 1 << 22;

    private Ops() {
    }

    /** Output size of a convolution with TF "same" padding: ceil(n / stride). */
    static int sameOut(int n, int stride) {
        return (n + stride - 1) / stride;
    }

    /** Zeros before the input for TF "same" padding ({@code pad / 2}, the rest after); k / 2 for stride 1. */
    static int samePadBefore(int n, int k, int stride) {
        if (stride == 1) {
            return k / 2;
        }
        int out = sameOut(n, stride);
        return Math.max(0, (out - 1) * stride + k - n) / 2;
    }

    /**
     * A full convolution with zero padding: {@code padBefore} zeros above and left of the input, as many as needed
     * below and right. 1x1 stride-1 kernels multiply the map directly; others gather patches (im2col, in the
     * (ky, kx, c) order of {@link VisionTensors#conv}) for a run of output pixels at a time.
     */
    static FeatureMap conv(ThreadPool pool, MapArena maps, FeatureMap x, VisionTensors.Conv w, int stride) {
        int k = w.kernel();
        int hOut = stride == 1 ? x.height() : sameOut(x.height(), stride);
        int wOut = stride == 1 ? x.width() : sameOut(x.width(), stride);
        FeatureMap y = maps.allocate(x.images(), hOut, wOut, w.out());
        if (k == 1 && stride == 1) {
            w.matrix().multiply(pool, x.data(), 0, x.pixels(), y.data(), 0);
            return y;
        }
        int padTop = samePadBefore(x.height(), k, stride);
        int padLeft = samePadBefore(x.width(), k, stride);
        int c = x.channels();
        int patch = k * k * c;
        int total = y.pixels();
        int perPass = Math.max(1, Math.min(total, PATCH_FLOATS / patch));
        float[] patches = maps.take(perPass * patch);
        float[] in = x.data();
        for (int first = 0; first < total; first += perPass) {
            int rows = Math.min(perPass, total - first);
            int from = first;
            pool.parallelFor(rows, (s, e) -> {
                for (int r = s; r < e; r++) {
                    int pixel = from + r;
                    int image = pixel / (hOut * wOut);
                    int oy = pixel / wOut % hOut;
                    int ox = pixel % wOut;
                    int dst = r * patch;
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * stride + ky - padTop;
                        for (int kx = 0; kx < k; kx++, dst += c) {
                            int ix = ox * stride + kx - padLeft;
                            if (iy < 0 || iy >= x.height() || ix < 0 || ix >= x.width()) {
                                Arrays.fill(patches, dst, dst + c, 0f);
                            } else {
                                System.arraycopy(in, ((image * x.height() + iy) * x.width() + ix) * c, patches, dst, c);
                            }
                        }
                    }
                }
            });
            w.matrix().multiply(pool, patches, 0, rows, y.data(), first * w.out());
        }
        maps.give(patches);
        return y;
    }

    /** A 1x1 convolution: every pixel's channels times the matrix. */
    static FeatureMap pointwise(ThreadPool pool, MapArena maps, FeatureMap x, Linear w) {
        FeatureMap y = maps.allocate(x.images(), x.height(), x.width(), w.rows());
        w.multiply(pool, x.data(), 0, x.pixels(), y.data(), 0);
        return y;
    }

    /**
     * A depthwise convolution: padding {@code k / 2} at stride 1, TF "same" padding at stride 2 (explicit zeros,
     * as the graph pads before {@code ggml_conv_2d_dw}).
     */
    static FeatureMap depthwise(ThreadPool pool, MapArena maps, FeatureMap x, VisionTensors.Depthwise w, int stride) {
        int k = w.kernel();
        int c = x.channels();
        int hIn = x.height();
        int wIn = x.width();
        int hOut = stride == 1 ? hIn : sameOut(hIn, stride);
        int wOut = stride == 1 ? wIn : sameOut(wIn, stride);
        int padTop = samePadBefore(hIn, k, stride);
        int padLeft = samePadBefore(wIn, k, stride);
        FeatureMap y = maps.allocate(x.images(), hOut, wOut, c);
        float[] in = x.data();
        float[] out = y.data();
        float[] taps = w.taps();
        int bound = F.loopBound(c);
        pool.parallelFor(x.images() * hOut, (s, e) -> {
            for (int row = s; row < e; row++) {
                int image = row / hOut;
                int oy = row % hOut;
                Arrays.fill(out, row * wOut * c, (row + 1) * wOut * c, 0f);
                for (int ox = 0; ox < wOut; ox++) {
                    int o = ((image * hOut + oy) * wOut + ox) * c;
                    for (int ky = 0; ky < k; ky++) {
                        int iy = oy * stride + ky - padTop;
                        if (iy < 0 || iy >= hIn) {
                            continue;
                        }
                        for (int kx = 0; kx < k; kx++) {
                            int ix = ox * stride + kx - padLeft;
                            if (ix < 0 || ix >= wIn) {
                                continue;
                            }
                            int src = ((image * hIn + iy) * wIn + ix) * c;
                            int t = (ky * k + kx) * c;
                            int i = 0;
                            for (; i < bound; i += F.length()) {
                                FloatVector acc = FloatVector.fromArray(F, out, o + i);
                                FloatVector.fromArray(F, in, src + i).fma(FloatVector.fromArray(F, taps, t + i), acc)
                                        .intoArray(out, o + i);
                            }
                            for (; i < c; i++) {
                                out[o + i] = Math.fma(in[src + i], taps[t + i], out[o + i]);
                            }
                        }
                    }
                }
            }
        });
        return y;
    }

    /** In place, over every pixel's channels: RMS norm (eps 1e-6) times {@code w}, then GELU if {@code gelu}. */
    static FeatureMap normalize(ThreadPool pool, FeatureMap x, float[] w, boolean gelu) {
        int c = x.channels();
        float[] d = x.data();
        pool.parallelFor(x.pixels(), (s, e) -> {
            for (int p = s; p < e; p++) {
                rmsNorm(d, p * c, w, c);
                if (gelu) {
                    gelu(d, p * c, c);
                }
            }
        });
        return x;
    }

    /**
     * In place: {@code x = x * (1 / sqrt(mean(x^2) + 1e-6)) * w} ({@code w} null: no weight), ggml's rms_norm
     * order of operations, the sum of squares in vector lanes (ggml adds in double; the two differ by about 1e-7
     * relative, well inside the comparison with llama.cpp).
     */
    static void rmsNorm(float[] x, int off, float[] w, int n) {
        FloatVector sum = FloatVector.zero(F);
        for (int i = 0; i < n; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, off + i, m);
            sum = v.fma(v, sum);
        }
        float mean = (float) ((double) sum.reduceLanes(VectorOperators.ADD) / n);
        float scale = 1.0f / (float) Math.sqrt(mean + EPS);
        for (int i = 0; i < n; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, off + i, m).mul(scale);
            if (w != null) {
                v = v.mul(FloatVector.fromArray(F, w, i, m));
            }
            v.intoArray(x, off + i, m);
        }
    }

    /**
     * In place: the tanh-form GELU, {@code 0.5 x (1 + tanh(u))} with {@code u = 0.7978845608 x (1 + 0.044715 x^2)}
     * (spec 5.1, the {@code exact_f32} reference's, without the F16 table), computed as the equal {@code x / (1 +
     * exp(-2u))}: one vector {@link VectorMath#expf} and no cancellation for negative x. The tail goes through the
     * same vector operations under a mask, so an element's result does not depend on where it lies.
     */
    static void gelu(float[] x, int off, int n) {
        for (int i = 0; i < n; i += F.length()) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, off + i, m);
            FloatVector twoU = v.mul(v).mul(0.044715f).add(1f).mul(v).mul(-2f * 0.7978845608f);
            v.div(VectorMath.expf(twoU).add(1f)).intoArray(x, off + i, m);
        }
    }

    /** {@code x = x * gamma + residual} per channel ({@code gamma} null: no layer scale), in place in {@code x}. */
    static void scaleAndAdd(ThreadPool pool, FeatureMap x, float[] gamma, FeatureMap residual) {
        int c = x.channels();
        float[] d = x.data();
        float[] r = residual == null ? null : residual.data();
        pool.parallelFor(x.pixels(), (s, e) -> {
            for (int p = s; p < e; p++) {
                int off = p * c;
                if (gamma != null) {
                    VectorMath.mul(d, off, gamma, 0, d, off, c);
                }
                if (r != null) {
                    VectorMath.add(d, off, r, off, d, off, c);
                }
            }
        });
    }
}
