package dev.gemmaspark.engine.quant;

import dev.gemmaspark.engine.gguf.GGMLType;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Turns F32 weights into the block bytes of a GGUF tensor type, the way llama.cpp's reference quantizers
 * ({@code quantize_row_*_ref} in ggml-quants.c, used by llama-quantize without an importance matrix) do it,
 * so that files written with it hold what llama.cpp itself would have written. Stateless and thread-safe.
 */
public final class WeightQuantizer {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** ggml's threshold below which a group counts as all zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;
    private static final int QK_K = 256;

    private WeightQuantizer() {
    }

    /** Whether {@link #quantize} can write {@code type}. */
    public static boolean supports(GGMLType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K -> true;
            default -> false;
        };
    }

    /** The bytes of {@code values} as a tensor of {@code type}; the length must be a multiple of its block size. */
    public static byte[] quantize(GGMLType type, float[] values) {
        byte[] out = new byte[Math.toIntExact(checkedBytes(type, values.length))];
        quantize(type, values, 0, values.length, out, 0);
        return out;
    }

    /**
     * Writes {@code count} values from {@code src[srcOffset..]} as {@code type} blocks into {@code dst[dstOffset..]}
     * ({@code type.bytesFor(count)} bytes).
     */
    public static void quantize(GGMLType type, float[] src, int srcOffset, int count, byte[] dst, int dstOffset) {
        long bytes = checkedBytes(type, count);
        if (srcOffset < 0 || srcOffset + count > src.length || dstOffset < 0 || dstOffset + bytes > dst.length) {
            throw new IndexOutOfBoundsException("quantize " + type + ": " + count + " values at " + srcOffset
                    + " of " + src.length + " into " + bytes + " bytes at " + dstOffset + " of " + dst.length);
        }
        int blocks = count / type.blockSize;
        switch (type) {
            case F32 -> {
                for (int i = 0; i < count; i++) {
                    I32.set(dst, dstOffset + 4 * i, Float.floatToRawIntBits(src[srcOffset + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    I16.set(dst, dstOffset + 2 * i, Float.floatToFloat16(src[srcOffset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    I16.set(dst, dstOffset + 2 * i, toBf16(src[srcOffset + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q8_0(src, srcOffset + 32 * b, dst, dstOffset + 34 * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) {
                    q4_0(src, srcOffset + 32 * b, dst, dstOffset + 18 * b);
                }
            }
            case Q4_K -> {
                Q4KScratch scratch = new Q4KScratch();
                for (int b = 0; b < blocks; b++) {
                    q4_K(src, srcOffset + QK_K * b, dst, dstOffset + 144 * b, scratch);
                }
            }
            case Q6_K -> {
                byte[] levels = new byte[QK_K];
                float[] scales = new float[QK_K / 16];
                for (int b = 0; b < blocks; b++) {
                    q6_K(src, srcOffset + QK_K * b, dst, dstOffset + 210 * b, levels, scales);
                }
            }
            default -> throw new IllegalArgumentException("quantize: type " + type + " is not supported (supported: "
                    + "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)");
        }
    }

    private static long checkedBytes(GGMLType type, int count) {
        if (count < 0 || count % type.blockSize != 0) {
            throw new IllegalArgumentException("quantize " + type + ": " + count
                    + " values is not a multiple of the block size " + type.blockSize);
        }
        return type.bytesFor(count);
    }

    /** ggml_compute_fp32_to_bf16: round to nearest even, NaNs kept quiet. */
    static short toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 64);
        }
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** ggml's nearest_int: round half to even through the float mantissa trick (valid for |x| < 2^22). */
    private static int nearestInt(float x) {
        int i = Float.floatToRawIntBits(x + 12582912f);
        return (i & 0x007fffff) - 0x00400000;
    }

    /** C's roundf: halves away from zero. */
    private static float roundHalfAway(float x) {
        return Math.copySign((float) Math.floor(Math.abs(x) + 0.5f), x);
    }

    private static void putF16(byte[] dst, int at, float v) {
        I16.set(dst, at, Float.floatToFloat16(v));
    }

    private static float f16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    private static void q8_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[xo + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(y, yo, d);
        for (int j = 0; j < 32; j++) {
            y[yo + 2 + j] = (byte) roundHalfAway(x[xo + j] * id);
        }
    }

    private static void q4_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putF16(y, yo, d);
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (byte) (int) (x[xo + j] * id + 8.5f));
            int hi = Math.min(15, (byte) (int) (x[xo + 16 + j] * id + 8.5f));
            y[yo + 2 + j] = (byte) (lo | (hi << 4));
        }
    }

    /** Buffers of one Q4_K quantization, reused across the blocks of a call. */
    private static final class Q4KScratch {
        final byte[] levels = new byte[QK_K];
        final byte[] aux = new byte[32];
        final float[] weights = new float[32];
        final float[] mins = new float[QK_K / 32];
        final float[] scales = new float[QK_K / 32];
        final float[] theMin = new float[1];
    }

    /** quantize_row_q4_K_ref: per 32-value sub-block a weighted scale/min search, then 6-bit scales and mins. */
    private static void q4_K(float[] x, int xo, byte[] y, int yo, Q4KScratch s) {
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < QK_K / 32; j++) {
            int base = xo + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[base + l] * x[base + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                s.weights[l] = avX + Math.abs(x[base + l]);
            }
            s.scales[j] = makeQkx2Quants(x, base, s.weights, s.levels, 32 * j, s.theMin, s.aux);
            s.mins[j] = s.theMin[0];
            maxScale = Math.max(maxScale, s.scales[j]);
            maxMin = Math.max(maxMin, s.mins[j]);
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int sc = yo + 4;
        for (int i = 0; i < 12; i++) {
            y[sc + i] = 0;
        }
        for (int j = 0; j < QK_K / 32; j++) {
            int ls = Math.min(63, nearestInt(invScale * s.scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * s.mins[j]) & 0xFF);
            if (j < 4) {
                y[sc + j] = (byte) ls;
                y[sc + j + 4] = (byte) lm;
            } else {
                y[sc + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                y[sc + j - 4] |= (byte) ((ls >> 4) << 6);
                y[sc + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        putF16(y, yo, maxScale / 63.f);
        putF16(y, yo + 2, maxMin / 63.f);
        float d = f16(maxScale / 63.f);
        float dmin = f16(maxMin / 63.f);
        for (int j = 0; j < QK_K / 32; j++) {
            int scale;
            int min;
            if (j < 4) {
                scale = y[sc + j] & 63;
                min = y[sc + j + 4] & 63;
            } else {
                scale = (y[sc + j + 4] & 0xF) | ((y[sc + j - 4] & 0xFF) >> 6 << 4);
                min = ((y[sc + j + 4] & 0xFF) >> 4) | ((y[sc + j] & 0xFF) >> 6 << 4);
            }
            float dj = d * scale;
            if (dj == 0) {
                continue;
            }
            float dm = dmin * min;
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / dj);
                s.levels[32 * j + ii] = (byte) Math.max(0, Math.min(15, l));
            }
        }
        int q = yo + 16;
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++) {
                y[q + l] = (byte) (s.levels[j + l] | (s.levels[j + l + 32] << 4));
            }
            q += 32;
        }
    }

    /**
     * make_qkx2_quants(32, 15, ..., rmin -1, rdelta 0.1, nstep 20, use_mad false): the scale and (negated) min
     * minimising the weighted squared error of 4-bit levels; writes the levels to {@code levels[lo..lo+32)}.
     */
    private static float makeQkx2Quants(float[] x, int xo, float[] w, byte[] levels, int lo, float[] theMin,
                                        byte[] aux) {
        final int n = 32;
        final int nmax = 15;
        float min = x[xo];
        float max = x[xo];
        float sumW = w[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
            sumW += w[i];
            sumX += w[i] * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            theMin[0] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
            levels[lo + i] = (byte) l;
            float diff = scale * l + min - x[xo + i];
            bestError += w[i] * (diff * diff);
        }
        for (int is = 0; is <= 20; is++) {
            iscale = (-1f + 0.1f * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[xo + i] - min))));
                aux[i] = (byte) l;
                sumL += w[i] * l;
                sumL2 += w[i] * l * l;
                sumXL += w[i] * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xo + i];
                    curError += w[i] * (diff * diff);
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, levels, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /** quantize_row_q6_K_ref: a signed scale per 16 values found by make_qx_quants, then 8-bit scales. */
    private static void q6_K(float[] x, int xo, byte[] y, int yo, byte[] levels, float[] scales) {
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < QK_K / 16; ib++) {
            float scale = makeQxQuants(x, xo + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            for (int i = 0; i < 210; i++) {
                y[yo + i] = 0;
            }
            return;
        }
        float iscale = -128.f / maxScale;
        putF16(y, yo + 208, 1 / iscale);
        float d = f16(1 / iscale);
        for (int ib = 0; ib < QK_K / 16; ib++) {
            y[yo + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        }
        for (int j = 0; j < QK_K / 16; j++) {
            float dj = d * y[yo + 192 + j];
            if (dj == 0) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = Math.max(-32, Math.min(31, nearestInt(x[xo + 16 * j + ii] / dj)));
                levels[16 * j + ii] = (byte) (l + 32);
            }
        }
        int ql = yo;
        int qh = yo + 128;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l];
                int q2 = levels[j + l + 32];
                int q3 = levels[j + l + 64];
                int q4 = levels[j + l + 96];
                y[ql + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                y[ql + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                y[qh + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }

    /**
     * make_qx_quants(16, 32, ..., rmse_type 1, no weights): the signed scale of 6-bit levels minimising the
     * x²-weighted squared error over 19 candidate scales; writes levels + 32 to {@code levels[lo..lo+16)}.
     */
    private static float makeQxQuants(float[] x, int xo, byte[] levels, int lo) {
        final int n = 16;
        final int nmax = 32;
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            return 0.f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
            levels[lo + i] = (byte) (l + nmax);
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0.0f;
        float best = scale * sumLX;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * v)));
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    levels[lo + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }
}
