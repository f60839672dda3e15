package dev.gemmaspark.engine.quant;

import dev.gemmaspark.engine.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
    /**
     * Q4_K and Q6_K spend nearly all their time searching scales, group by group, with sums whose order decides
     * the result. Their searches run one group per vector lane: each lane adds in the order of llama.cpp's scalar
     * C, so the bytes are bit for bit llama.cpp's, several groups at a time.
     */
    private static final VectorSpecies<Float> LANES = FloatVector.SPECIES_PREFERRED.length() >= 8
            ? FloatVector.SPECIES_256 : FloatVector.SPECIES_PREFERRED;
    /** x + 1.5 * 2^23 - 1.5 * 2^23 rounds half to even, exactly as ggml's nearest_int, for |x| < 2^22. */
    private static final float ROUNDER = 12582912f;

    private WeightQuantizer() {
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
                Q6KScratch scratch = new Q6KScratch();
                for (int b = 0; b < blocks; b++) {
                    q6_K(src, srcOffset + QK_K * b, dst, dstOffset + 210 * b, scratch);
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
    private static short toBf16(float f) {
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

    /** C's roundf: halves away from zero (Math.round rounds |x| exactly, halves up). */
    private static float roundHalfAway(float x) {
        return Math.copySign((float) Math.round(Math.abs(x)), x);
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

    private static FloatVector roundClamp(FloatVector v, float lo, float hi) {
        return v.add(ROUNDER).sub(ROUNDER).max(lo).min(hi);
    }

    /**
     * Buffers of one Q4_K quantization, reused across the blocks of a call: values, weights and levels indexed
     * [value][group], and the per-group state of the search (kept in arrays, not in vectors live across the search
     * loop, which the JIT would box).
     */
    private static final class Q4KScratch {
        static final int GROUPS = QK_K / 32;
        final float[] x = new float[QK_K];
        final float[] w = new float[QK_K];
        final float[] best = new float[QK_K];
        final float[] candidate = new float[QK_K];
        final byte[] levels = new byte[QK_K];
        final float[] max = new float[GROUPS];
        final float[] min = new float[GROUPS];
        final float[] sumW = new float[GROUPS];
        final float[] sumX = new float[GROUPS];
        final float[] bestError = new float[GROUPS];
        final float[] mins = new float[GROUPS];
        final float[] scales = new float[GROUPS];
    }

    /** quantize_row_q4_K_ref: per 32-value sub-block a weighted scale/min search, then 6-bit scales and mins. */
    private static void q4_K(float[] x, int xo, byte[] y, int yo, Q4KScratch s) {
        for (int j = 0; j < Q4KScratch.GROUPS; j++) {
            for (int i = 0; i < 32; i++) {
                s.x[i * Q4KScratch.GROUPS + j] = x[xo + 32 * j + i];
            }
        }
        for (int j0 = 0; j0 < Q4KScratch.GROUPS; j0 += LANES.length()) {
            makeQkx2Quants(s, j0);
        }
        for (int j = 0; j < Q4KScratch.GROUPS; j++) {
            for (int i = 0; i < 32; i++) {
                s.levels[32 * j + i] = (byte) s.best[i * Q4KScratch.GROUPS + j];
            }
        }
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < Q4KScratch.GROUPS; j++) {
            maxScale = Math.max(maxScale, s.scales[j]);
            maxMin = Math.max(maxMin, s.mins[j]);
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int sc = yo + 4;
        for (int j = 0; j < Q4KScratch.GROUPS; j++) {
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
        for (int j = 0; j < Q4KScratch.GROUPS; j++) {
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
     * The weights av_x + |x| of quantize_row_q4_K_ref, then make_qkx2_quants(32, 15, ..., rmin -1, rdelta 0.1,
     * nstep 20, use_mad false) for sub-blocks j0.. (one per lane): the scale and min minimising the weighted squared
     * error of 4-bit levels. Writes the levels to {@code best}, the scale and the negated min to scales and mins.
     */
    private static void makeQkx2Quants(Q4KScratch s, int j0) {
        final int g = Q4KScratch.GROUPS;
        final float nmax = 15;
        FloatVector sumX2 = FloatVector.zero(LANES);
        for (int i = 0; i < 32; i++) {
            FloatVector v = FloatVector.fromArray(LANES, s.x, i * g + j0);
            sumX2 = sumX2.add(v.mul(v));
        }
        FloatVector avX = sumX2.div(32f).sqrt();
        for (int i = 0; i < 32; i++) {
            avX.add(FloatVector.fromArray(LANES, s.x, i * g + j0).abs()).intoArray(s.w, i * g + j0);
        }
        FloatVector min = FloatVector.fromArray(LANES, s.x, j0);
        FloatVector max = min;
        FloatVector sumW = FloatVector.fromArray(LANES, s.w, j0);
        FloatVector sumX = sumW.mul(min);
        for (int i = 1; i < 32; i++) {
            FloatVector v = FloatVector.fromArray(LANES, s.x, i * g + j0);
            FloatVector w = FloatVector.fromArray(LANES, s.w, i * g + j0);
            min = min.blend(v, v.compare(VectorOperators.LT, min));
            max = max.blend(v, v.compare(VectorOperators.GT, max));
            sumW = sumW.add(w);
            sumX = sumX.add(w.mul(v));
        }
        min = min.blend(0f, min.compare(VectorOperators.GT, 0f));
        max.intoArray(s.max, j0);
        sumW.intoArray(s.sumW, j0);
        sumX.intoArray(s.sumX, j0);
        FloatVector iscale = FloatVector.broadcast(LANES, nmax).div(max.sub(min));
        FloatVector scale = FloatVector.broadcast(LANES, 1f).div(iscale);
        FloatVector bestError = FloatVector.zero(LANES);
        for (int i = 0; i < 32; i++) {
            FloatVector v = FloatVector.fromArray(LANES, s.x, i * g + j0);
            FloatVector l = roundClamp(iscale.mul(v.sub(min)), 0, nmax);
            l.intoArray(s.best, i * g + j0);
            FloatVector diff = scale.mul(l).add(min).sub(v);
            bestError = bestError.add(FloatVector.fromArray(LANES, s.w, i * g + j0).mul(diff.mul(diff)));
        }
        min.intoArray(s.min, j0);
        scale.intoArray(s.scales, j0);
        bestError.intoArray(s.bestError, j0);
        for (int is = 0; is <= 20; is++) {
            tryQkx2Scale(s, j0, -1f + 0.1f * is + nmax);
        }
        // A constant sub-block (max == min) gets level 0, scale 0 and its value as the min; the search cannot
        // have moved its min, as every candidate compares as NaN there.
        VectorMask<Float> flat = max.compare(VectorOperators.EQ, min);
        for (int i = 0; i < 32; i++) {
            FloatVector.fromArray(LANES, s.best, i * g + j0).blend(0f, flat).intoArray(s.best, i * g + j0);
        }
        FloatVector.fromArray(LANES, s.scales, j0).blend(0f, flat).intoArray(s.scales, j0);
        FloatVector.fromArray(LANES, s.min, j0).neg().intoArray(s.mins, j0);
    }

    /** One candidate scale of make_qkx2_quants: iscale = {@code numerator} / (max - min) with the best min so far. */
    private static void tryQkx2Scale(Q4KScratch s, int j0, float numerator) {
        final int g = Q4KScratch.GROUPS;
        FloatVector min = FloatVector.fromArray(LANES, s.min, j0);
        FloatVector iscale = FloatVector.broadcast(LANES, numerator)
                .div(FloatVector.fromArray(LANES, s.max, j0).sub(min));
        FloatVector sumL = FloatVector.zero(LANES);
        FloatVector sumL2 = FloatVector.zero(LANES);
        FloatVector sumXL = FloatVector.zero(LANES);
        for (int i = 0; i < 32; i++) {
            FloatVector v = FloatVector.fromArray(LANES, s.x, i * g + j0);
            FloatVector l = roundClamp(iscale.mul(v.sub(min)), 0, 15);
            l.intoArray(s.candidate, i * g + j0);
            FloatVector wl = FloatVector.fromArray(LANES, s.w, i * g + j0).mul(l);
            sumL = sumL.add(wl);
            sumL2 = sumL2.add(wl.mul(l));
            sumXL = sumXL.add(wl.mul(v));
        }
        FloatVector sumW = FloatVector.fromArray(LANES, s.sumW, j0);
        FloatVector sumX = FloatVector.fromArray(LANES, s.sumX, j0);
        FloatVector det = sumW.mul(sumL2).sub(sumL.mul(sumL));
        VectorMask<Float> solvable = det.compare(VectorOperators.GT, 0f);
        FloatVector thisScale = sumW.mul(sumXL).sub(sumX.mul(sumL)).div(det);
        FloatVector thisMin = sumL2.mul(sumX).sub(sumL.mul(sumXL)).div(det);
        VectorMask<Float> positiveMin = thisMin.compare(VectorOperators.GT, 0f);
        thisMin = thisMin.blend(0f, positiveMin);
        thisScale = thisScale.blend(sumXL.div(sumL2), positiveMin);
        FloatVector error = FloatVector.zero(LANES);
        for (int i = 0; i < 32; i++) {
            FloatVector diff = thisScale.mul(FloatVector.fromArray(LANES, s.candidate, i * g + j0)).add(thisMin)
                    .sub(FloatVector.fromArray(LANES, s.x, i * g + j0));
            error = error.add(FloatVector.fromArray(LANES, s.w, i * g + j0).mul(diff.mul(diff)));
        }
        FloatVector bestError = FloatVector.fromArray(LANES, s.bestError, j0);
        VectorMask<Float> better = solvable.and(error.compare(VectorOperators.LT, bestError));
        for (int i = 0; i < 32; i++) {
            FloatVector.fromArray(LANES, s.candidate, i * g + j0)
                    .intoArray(s.best, i * g + j0, better);
        }
        error.intoArray(s.bestError, j0, better);
        thisScale.intoArray(s.scales, j0, better);
        thisMin.intoArray(s.min, j0, better);
    }

    /** Buffers of one Q6_K quantization, laid out as {@link Q4KScratch}'s. */
    private static final class Q6KScratch {
        static final int GROUPS = QK_K / 16;
        final float[] x = new float[QK_K];
        final float[] best = new float[QK_K];
        final float[] candidate = new float[QK_K];
        final byte[] levels = new byte[QK_K];
        final float[] max = new float[GROUPS];
        final float[] bestScore = new float[GROUPS];
        final float[] scales = new float[GROUPS];
    }

    /** quantize_row_q6_K_ref: a signed scale per 16 values found by make_qx_quants, then 8-bit scales. */
    private static void q6_K(float[] x, int xo, byte[] y, int yo, Q6KScratch s) {
        for (int j = 0; j < Q6KScratch.GROUPS; j++) {
            for (int i = 0; i < 16; i++) {
                s.x[i * Q6KScratch.GROUPS + j] = x[xo + 16 * j + i];
            }
        }
        for (int j0 = 0; j0 < Q6KScratch.GROUPS; j0 += LANES.length()) {
            makeQxQuants(s, j0);
        }
        for (int j = 0; j < Q6KScratch.GROUPS; j++) {
            for (int i = 0; i < 16; i++) {
                s.levels[16 * j + i] = (byte) s.best[i * Q6KScratch.GROUPS + j];
            }
        }
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < Q6KScratch.GROUPS; ib++) {
            float scale = s.scales[ib];
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
        for (int ib = 0; ib < Q6KScratch.GROUPS; ib++) {
            y[yo + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * s.scales[ib]));
        }
        for (int j = 0; j < Q6KScratch.GROUPS; j++) {
            float dj = d * y[yo + 192 + j];
            if (dj == 0) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = Math.max(-32, Math.min(31, nearestInt(x[xo + 16 * j + ii] / dj)));
                s.levels[16 * j + ii] = (byte) (l + 32);
            }
        }
        int ql = yo;
        int qh = yo + 128;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = s.levels[j + l];
                int q2 = s.levels[j + l + 32];
                int q3 = s.levels[j + l + 64];
                int q4 = s.levels[j + l + 96];
                y[ql + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                y[ql + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                y[qh + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }

    /**
     * make_qx_quants(16, 32, ..., rmse_type 1, no weights) for groups j0.. (one per lane): the signed scale of 6-bit
     * levels minimising the x²-weighted squared error over 19 candidate scales. Writes levels + 32 to {@code best}
     * (0 for an all-zero group) and the scale to {@code scales}.
     */
    private static void makeQxQuants(Q6KScratch s, int j0) {
        final int g = Q6KScratch.GROUPS;
        final float nmax = 32;
        FloatVector max = FloatVector.zero(LANES);
        FloatVector amax = FloatVector.zero(LANES);
        for (int i = 0; i < 16; i++) {
            FloatVector v = FloatVector.fromArray(LANES, s.x, i * g + j0);
            FloatVector ax = v.abs();
            VectorMask<Float> larger = ax.compare(VectorOperators.GT, amax);
            amax = amax.blend(ax, larger);
            max = max.blend(v, larger);
        }
        max.intoArray(s.max, j0);
        FloatVector iscale = FloatVector.broadcast(LANES, -nmax).div(max);
        FloatVector sumLX = FloatVector.zero(LANES);
        FloatVector sumL2 = FloatVector.zero(LANES);
        for (int i = 0; i < 16; i++) {
            FloatVector v = FloatVector.fromArray(LANES, s.x, i * g + j0);
            FloatVector l = roundClamp(iscale.mul(v), -nmax, nmax - 1);
            l.intoArray(s.best, i * g + j0);
            FloatVector w = v.mul(v);
            sumLX = sumLX.add(w.mul(v).mul(l));
            sumL2 = sumL2.add(w.mul(l).mul(l));
        }
        FloatVector scale = sumLX.div(sumL2).blend(0f, sumL2.compare(VectorOperators.EQ, 0f));
        scale.intoArray(s.scales, j0);
        scale.mul(sumLX).intoArray(s.bestScore, j0);
        for (int is = -9; is <= 9; is++) {
            if (is != 0) {
                tryQxScale(s, j0, -(nmax + 0.1f * is));
            }
        }
        VectorMask<Float> zero = amax.compare(VectorOperators.LT, GROUP_MAX_EPS);
        for (int i = 0; i < 16; i++) {
            FloatVector.fromArray(LANES, s.best, i * g + j0).add(nmax).blend(0f, zero).intoArray(s.best, i * g + j0);
        }
        FloatVector.fromArray(LANES, s.scales, j0).blend(0f, zero).intoArray(s.scales, j0);
    }

    /** One candidate scale of make_qx_quants: iscale = {@code numerator} / max. */
    private static void tryQxScale(Q6KScratch s, int j0, float numerator) {
        final int g = Q6KScratch.GROUPS;
        FloatVector iscale = FloatVector.broadcast(LANES, numerator).div(FloatVector.fromArray(LANES, s.max, j0));
        FloatVector sumLX = FloatVector.zero(LANES);
        FloatVector sumL2 = FloatVector.zero(LANES);
        for (int i = 0; i < 16; i++) {
            FloatVector v = FloatVector.fromArray(LANES, s.x, i * g + j0);
            FloatVector l = roundClamp(iscale.mul(v), -32, 31);
            l.intoArray(s.candidate, i * g + j0);
            FloatVector w = v.mul(v);
            sumLX = sumLX.add(w.mul(v).mul(l));
            sumL2 = sumL2.add(w.mul(l).mul(l));
        }
        VectorMask<Float> better = sumL2.compare(VectorOperators.GT, 0f).and(sumLX.mul(sumLX)
                .compare(VectorOperators.GT, FloatVector.fromArray(LANES, s.bestScore, j0).mul(sumL2)));
        for (int i = 0; i < 16; i++) {
            FloatVector.fromArray(LANES, s.candidate, i * g + j0).intoArray(s.best, i * g + j0, better);
        }
        FloatVector scale = sumLX.div(sumL2);
        scale.intoArray(s.scales, j0, better);
        scale.mul(sumLX).intoArray(s.bestScore, j0, better);
    }
}
