package dev.gemmaspark.engine.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The activation quantizers ggml-cpu runs on the input of a matmul (the weight type's {@code vec_dot_type}),
 * as the x86 AVX2 build does them: Q8_0/Q8_1 round {@code x * (127/amax)} half to even
 * ({@code _mm256_round_ps}), Q8_K follows {@code quantize_row_q8_K_ref} (scale from the signed value of
 * largest magnitude, {@code nearest_int}, which also rounds half to even).
 *
 * <p>The quantized values are written as floats holding small integers: the kernels multiply them in float
 * lanes, where products and block sums of such integers stay exact (below 2^24).
 */
public final class ActivationQuantizer {
    public static final int QK8 = 32;
    public static final int QK_K = 256;
    /** Whole vectors per block of 32 (a vector holds 4, 8 or 16 floats). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * 1.5 x 2^23: adding it to a float of magnitude below 2^22 and subtracting it again rounds it to an integer,
     * half to even, as {@code _mm256_round_ps} does (q lies within +-127.5).
     */
    private static final float ROUND = 0x1.8p23f;

    private ActivationQuantizer() {
    }

    /**
     * Q8_0 of {@code blocks} blocks of 32 values from {@code x[xOff ..]}: the values go to {@code q[qOff ..]},
     * the fp16 block scales (widened) to {@code d[dOff ..]}.
     */
    public static void q8_0(float[] x, int xOff, int blocks, float[] q, int qOff, float[] d, int dOff) {
        for (int b = 0; b < blocks; b++) {
            d[dOff + b] = quantizeBlock32(x, xOff + b * QK8, q, qOff + b * QK8);
        }
    }

    /** Q8_1: Q8_0 plus {@code s[sOff + b] = fp16(d_f32 * sum of the block's q)}, d_f32 being the unrounded scale. */
    public static void q8_1(float[] x, int xOff, int blocks, float[] q, int qOff, float[] d, int dOff, float[] s, int sOff) {
        for (int b = 0; b < blocks; b++) {
            int qb = qOff + b * QK8;
            float dF32 = amax(x, xOff + b * QK8) / 127f;
            d[dOff + b] = quantizeBlock32(x, xOff + b * QK8, q, qb);
            int sum = 0;
            for (int j = 0; j < QK8; j++) {
                sum += (int) q[qb + j];
            }
            s[sOff + b] = HalfFloats.roundToF16(dF32 * sum);
        }
    }

    /**
     * Q8_K of {@code blocks} blocks of 256 values: q to {@code q[qOff ..]}, the f32 scale (negative when the
     * value of largest magnitude is positive) to {@code d[dOff + b]}, and the 16 sums of 16 consecutive q
     * to {@code bsums[bOff + 16*b ..]}.
     */
    public static void q8_K(float[] x, int xOff, int blocks, float[] q, int qOff, float[] d, int dOff, int[] bsums, int bOff) {
        for (int b = 0; b < blocks; b++) {
            int xb = xOff + b * QK_K;
            int qb = qOff + b * QK_K;
            float max = 0;
            float amax = 0;
            for (int j = 0; j < QK_K; j++) {
                float ax = Math.abs(x[xb + j]);
                if (ax > amax) {
                    amax = ax;
                    max = x[xb + j];
                }
            }
            if (amax == 0) {
                d[dOff + b] = 0;
                java.util.Arrays.fill(q, qb, qb + QK_K, 0f);
                java.util.Arrays.fill(bsums, bOff + 16 * b, bOff + 16 * b + 16, 0);
                continue;
            }
            float iscale = -127f / max;
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int j = 16 * g; j < 16 * g + 16; j++) {
                    int v = Math.min(127, (int) Math.rint(iscale * x[xb + j]));
                    q[qb + j] = v;
                    sum += v;
                }
                bsums[bOff + 16 * b + g] = sum;
            }
            d[dOff + b] = 1 / iscale;
        }
    }

    private static float amax(float[] x, int off) {
        FloatVector amax = FloatVector.zero(F);
        for (int j = 0; j < QK8; j += F.length()) {
            amax = amax.max(FloatVector.fromArray(F, x, off + j).abs());
        }
        return amax.reduceLanes(VectorOperators.MAX);
    }

    /** Quantizes one block of 32 and returns its scale rounded to fp16. */
    private static float quantizeBlock32(float[] x, int xOff, float[] q, int qOff) {
        float amax = amax(x, xOff);
        float id = amax != 0 ? 127f / amax : 0f;
        for (int j = 0; j < QK8; j += F.length()) {
            FloatVector.fromArray(F, x, xOff + j).mul(id).add(ROUND).sub(ROUND).intoArray(q, qOff + j);
        }
        return HalfFloats.roundToF16(amax / 127f);
    }
}
