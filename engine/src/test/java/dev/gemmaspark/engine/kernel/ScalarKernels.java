package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.ActivationQuantizer;
import dev.gemmaspark.engine.quant.HalfFloats;
import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain scalar reference of the {@link ActivationRounding#LLAMA_CPP} kernels, written from the spec (sections
 * 2.2 and 2.3) without vectors: quantize the activation with the weight's vec_dot_type, decode each weight
 * block to integers, take the integer sums exactly (in long), scale them in f32 block by block.
 */
final class ScalarKernels {
    private ScalarKernels() {
    }

    /**
     * A dot product; the sum of the magnitudes of its element terms (every partial sum, in any order, is at most
     * this, so it scales the rounding error of any summation order); and, when all scales are 1, its exact value.
     */
    record Dot(float value, double magnitude, long integerSum) {
    }

    /** The integer values of one weight block and what scales them. */
    private record IntBlock(int[] q, float d, float dminOrM, int groupSize, int[] scales, int[] mins) {
    }

    static Dot dot(GGMLType type, MemorySegment w, long off, float[] x, int xOff, int cols) {
        return switch (type) {
            case F32, F16, BF16 -> dense(type, w, off, x, xOff, cols);
            case Q4_0, Q5_0, Q8_0, Q4_1, Q5_1 -> blocks32(type, w, off, x, xOff, cols);
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> superBlocks(type, w, off, x, xOff, cols);
        };
    }

    /**
     * The activations {@code x[xOff .. xOff + cols)} as the kernels for {@code type} see them, in f32: rounded to
     * F16 or BF16 for those weights, for quantized weights quantized to the type's vec_dot format and multiplied
     * back by their block scale.
     */
    static float[] roundedActivations(GGMLType type, float[] x, int xOff, int cols) {
        float[] r = new float[cols];
        switch (type) {
            case F32 -> System.arraycopy(x, xOff, r, 0, cols);
            case F16 -> {
                for (int c = 0; c < cols; c++) {
                    r[c] = HalfFloats.roundToF16(x[xOff + c]);
                }
            }
            case BF16 -> {
                for (int c = 0; c < cols; c++) {
                    r[c] = HalfFloats.roundToBf16(x[xOff + c]);
                }
            }
            case Q4_0, Q5_0, Q8_0 -> {
                float[] d = new float[cols / 32];
                ActivationQuantizer.q8_0(x, xOff, cols / 32, r, 0, d, 0);
                scaleBlocks(r, d, 32);
            }
            case Q4_1, Q5_1 -> {
                float[] d = new float[cols / 32];
                ActivationQuantizer.q8_1(x, xOff, cols / 32, r, 0, d, 0, new float[cols / 32], 0);
                scaleBlocks(r, d, 32);
            }
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> {
                float[] d = new float[cols / 256];
                ActivationQuantizer.q8_K(x, xOff, cols / 256, r, 0, d, 0, new int[cols / 16], 0);
                scaleBlocks(r, d, 256);
            }
        }
        return r;
    }

    private static void scaleBlocks(float[] q, float[] d, int block) {
        for (int i = 0; i < q.length; i++) {
            q[i] *= d[i / block];
        }
    }

    private static Dot dense(GGMLType type, MemorySegment w, long off, float[] x, int xOff, int cols) {
        float sum = 0;
        double magnitude = 0;
        for (int c = 0; c < cols; c++) {
            float wv;
            float xv;
            switch (type) {
                case F16 -> {
                    wv = Float.float16ToFloat(w.get(LittleEndian.I16, off + 2L * c));
                    xv = HalfFloats.roundToF16(x[xOff + c]);
                }
                case BF16 -> {
                    wv = HalfFloats.bf16ToFloat(w.get(LittleEndian.I16, off + 2L * c));
                    xv = HalfFloats.roundToBf16(x[xOff + c]);
                }
                default -> {
                    wv = w.get(LittleEndian.F32, off + 4L * c);
                    xv = x[xOff + c];
                }
            }
            sum = Math.fma(wv, xv, sum);
            magnitude += Math.abs((double) wv * xv);
        }
        return new Dot(sum, magnitude, 0);
    }

    private static Dot blocks32(GGMLType type, MemorySegment w, long off, float[] x, int xOff, int cols) {
        int blocks = cols / 32;
        float[] q = new float[cols];
        float[] d = new float[blocks];
        float[] s = new float[blocks];
        boolean withMin = type == GGMLType.Q4_1 || type == GGMLType.Q5_1;
        if (withMin) {
            ActivationQuantizer.q8_1(x, xOff, blocks, q, 0, d, 0, s, 0);
        } else {
            ActivationQuantizer.q8_0(x, xOff, blocks, q, 0, d, 0);
        }
        float sum = 0;
        float summs = 0;
        double magnitude = 0;
        long integerSum = 0;
        for (int b = 0; b < blocks; b++) {
            IntBlock blk = decode(type, w, off + (long) b * type.blockBytes);
            long block = 0;
            long absBlock = 0;
            for (int j = 0; j < 32; j++) {
                block += (long) blk.q[j] * (long) q[32 * b + j];
                absBlock += Math.abs((long) blk.q[j] * (long) q[32 * b + j]);
            }
            float scale = blk.d * d[b];
            sum += scale * block;
            magnitude += Math.abs((double) scale) * absBlock;
            integerSum += block;
            if (withMin) {
                summs += blk.dminOrM * s[b];
                magnitude += Math.abs((double) blk.dminOrM * s[b]);
                integerSum += (long) blk.dminOrM * (long) s[b];
            }
        }
        return new Dot(sum + summs, magnitude, integerSum);
    }

    private static Dot superBlocks(GGMLType type, MemorySegment w, long off, float[] x, int xOff, int cols) {
        int blocks = cols / 256;
        float[] q = new float[cols];
        float[] d = new float[blocks];
        int[] bsums = new int[16 * blocks];
        ActivationQuantizer.q8_K(x, xOff, blocks, q, 0, d, 0, bsums, 0);
        float sum = 0;
        float mins = 0;
        double magnitude = 0;
        long integerSum = 0;
        for (int b = 0; b < blocks; b++) {
            IntBlock blk = decode(type, w, off + (long) b * type.blockBytes);
            long p = 0;
            long m = 0;
            long absP = 0;
            long absM = 0;
            for (int g = 0; g < 256 / blk.groupSize; g++) {
                long inner = 0;
                long qsum = 0;
                for (int j = g * blk.groupSize; j < (g + 1) * blk.groupSize; j++) {
                    inner += (long) blk.q[j] * (long) q[256 * b + j];
                    qsum += (long) q[256 * b + j];
                    absP += Math.abs((long) blk.scales[g] * blk.q[j] * (long) q[256 * b + j]);
                    absM += Math.abs((long) blk.mins[g] * (long) q[256 * b + j]);
                }
                p += blk.scales[g] * inner;
                m += blk.mins[g] * qsum;
            }
            float scale = d[b] * blk.d;
            float minScale = -d[b] * blk.dminOrM;
            sum += scale * p;
            mins += minScale * m;
            magnitude += Math.abs((double) scale) * absP + Math.abs((double) minScale) * absM;
            integerSum += p - m;
        }
        return new Dot(sum + mins, magnitude, integerSum);
    }

    private static int u8(MemorySegment w, long off) {
        return w.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    private static float f16(MemorySegment w, long off) {
        return Float.float16ToFloat(w.get(LittleEndian.I16, off));
    }

    /** Integer values of one block as the spec's section 2.2 lays them out. */
    private static IntBlock decode(GGMLType type, MemorySegment w, long o) {
        int[] q = new int[type.blockSize];
        switch (type) {
            case Q4_0, Q4_1 -> {
                int qs = type == GGMLType.Q4_0 ? 2 : 4;
                for (int j = 0; j < 16; j++) {
                    q[j] = u8(w, o + qs + j) & 15;
                    q[j + 16] = u8(w, o + qs + j) >> 4;
                }
                int zero = type == GGMLType.Q4_0 ? 8 : 0;
                for (int j = 0; j < 32; j++) {
                    q[j] -= zero;
                }
                return new IntBlock(q, f16(w, o), type == GGMLType.Q4_1 ? f16(w, o + 2) : 0, 32, null, null);
            }
            case Q5_0, Q5_1 -> {
                int qhAt = type == GGMLType.Q5_0 ? 2 : 4;
                int qs = qhAt + 4;
                long qh = w.get(LittleEndian.I32, o + qhAt) & 0xFFFFFFFFL;
                for (int j = 0; j < 16; j++) {
                    q[j] = (u8(w, o + qs + j) & 15) | (int) (((qh >> j) & 1) << 4);
                    q[j + 16] = (u8(w, o + qs + j) >> 4) | (int) (((qh >> (j + 16)) & 1) << 4);
                }
                int zero = type == GGMLType.Q5_0 ? 16 : 0;
                for (int j = 0; j < 32; j++) {
                    q[j] -= zero;
                }
                return new IntBlock(q, f16(w, o), type == GGMLType.Q5_1 ? f16(w, o + 2) : 0, 32, null, null);
            }
            case Q8_0 -> {
                for (int j = 0; j < 32; j++) {
                    q[j] = w.get(ValueLayout.JAVA_BYTE, o + 2 + j);
                }
                return new IntBlock(q, f16(w, o), 0, 32, null, null);
            }
            case Q2_K -> {
                int[] sc = new int[16];
                int[] mn = new int[16];
                for (int k = 0; k < 16; k++) {
                    sc[k] = u8(w, o + k) & 15;
                    mn[k] = u8(w, o + k) >> 4;
                }
                for (int e = 0; e < 256; e++) {
                    int half = e / 128;
                    int shift = e % 128 / 32;
                    int l = e % 32;
                    q[e] = (u8(w, o + 16 + 32 * half + l) >> (2 * shift)) & 3;
                }
                return new IntBlock(q, f16(w, o + 80), f16(w, o + 82), 16, sc, mn);
            }
            case Q3_K -> {
                int[] sc = new int[16];
                for (int k = 0; k < 16; k++) {
                    int low = k < 8 ? u8(w, o + 96 + k) & 15 : u8(w, o + 96 + k - 8) >> 4;
                    int high = (u8(w, o + 96 + 8 + k % 4) >> (2 * (k / 4))) & 3;
                    sc[k] = (low | (high << 4)) - 32;
                }
                for (int e = 0; e < 256; e++) {
                    int half = e / 128;
                    int shift = e % 128 / 32;
                    int l = e % 32;
                    int m = 4 * half + shift;
                    int q2 = (u8(w, o + 32 + 32 * half + l) >> (2 * shift)) & 3;
                    q[e] = q2 - (((u8(w, o + l) >> m) & 1) != 0 ? 0 : 4);
                }
                return new IntBlock(q, f16(w, o + 108), 0, 16, sc, new int[16]);
            }
            case Q4_K, Q5_K -> {
                int[] sc = new int[8];
                int[] mn = new int[8];
                for (int j = 0; j < 8; j++) {
                    int s = 4;
                    if (j < 4) {
                        sc[j] = u8(w, o + s + j) & 63;
                        mn[j] = u8(w, o + s + j + 4) & 63;
                    } else {
                        sc[j] = (u8(w, o + s + j + 4) & 15) | ((u8(w, o + s + j - 4) >> 6) << 4);
                        mn[j] = (u8(w, o + s + j + 4) >> 4) | ((u8(w, o + s + j) >> 6) << 4);
                    }
                }
                boolean five = type == GGMLType.Q5_K;
                long qs = o + (five ? 48 : 16);
                for (int e = 0; e < 256; e++) {
                    int chunk = e / 64;
                    int high = e % 64 / 32;
                    int l = e % 32;
                    int nib = high == 0 ? u8(w, qs + 32 * chunk + l) & 15 : u8(w, qs + 32 * chunk + l) >> 4;
                    if (five) {
                        nib += ((u8(w, o + 16 + l) >> (2 * chunk + high)) & 1) * 16;
                    }
                    q[e] = nib;
                }
                return new IntBlock(q, f16(w, o), f16(w, o + 2), 32, sc, mn);
            }
            case Q6_K -> {
                int[] sc = new int[16];
                for (int k = 0; k < 16; k++) {
                    sc[k] = w.get(ValueLayout.JAVA_BYTE, o + 192 + k);
                }
                for (int e = 0; e < 256; e++) {
                    int half = e / 128;
                    int quarter = e % 128 / 32;
                    int l = e % 32;
                    int ql = u8(w, o + 64 * half + l + (quarter % 2) * 32);
                    int low = quarter < 2 ? ql & 15 : ql >> 4;
                    int high = (u8(w, o + 128 + 32 * half + l) >> (2 * quarter)) & 3;
                    q[e] = (low | (high << 4)) - 32;
                }
                return new IntBlock(q, f16(w, o + 208), 0, 16, sc, new int[16]);
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
    }
}
