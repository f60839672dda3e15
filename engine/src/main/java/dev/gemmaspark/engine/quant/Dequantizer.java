package dev.gemmaspark.engine.quant;

import static dev.gemmaspark.engine.quant.LittleEndian.f16;
import static dev.gemmaspark.engine.quant.LittleEndian.u8;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Exact dequantization of ggml blocks, with the float operations in the order of ggml's {@code
 * dequantize_row_*} (ggml-quants.c), so every value is bit-identical to what llama.cpp's {@code get_rows}
 * produces. Java never fuses a multiply and an add, and neither does ggml-base, which is built without FMA.
 */
public final class Dequantizer {
    private Dequantizer() {
    }

    /**
     * Dequantizes {@code count} elements of {@code type} starting at byte {@code offset} of {@code src} into
     * {@code dst[dstOff ..]}. {@code count} must be a multiple of the type's block size.
     */
    public static void dequantize(GGMLType type, MemorySegment src, long offset, float[] dst, int dstOff, int count) {
        if (count % type.blockSize != 0) {
            throw new IllegalArgumentException(count + " elements is not a whole number of " + type + " blocks");
        }
        int blocks = count / type.blockSize;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * type.blockBytes;
            int p = dstOff + b * type.blockSize;
            switch (type) {
                case F32 -> dst[p] = src.get(LittleEndian.F32, o);
                case F16 -> dst[p] = f16(src, o);
                case BF16 -> dst[p] = HalfFloats.bf16ToFloat(src.get(LittleEndian.I16, o));
                case Q4_0 -> q4_0(src, o, dst, p);
                case Q4_1 -> q4_1(src, o, dst, p);
                case Q5_0 -> q5_0(src, o, dst, p);
                case Q5_1 -> q5_1(src, o, dst, p);
                case Q8_0 -> q8_0(src, o, dst, p);
                case Q2_K -> q2_K(src, o, dst, p);
                case Q3_K -> q3_K(src, o, dst, p);
                case Q4_K -> q4_K(src, o, dst, p);
                case Q5_K -> q5_K(src, o, dst, p);
                case Q6_K -> q6_K(src, o, dst, p);
            }
        }
    }

    private static void q4_0(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 2 + j);
            y[p + j] = ((q & 15) - 8) * d;
            y[p + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    private static void q4_1(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o);
        float m = f16(s, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 4 + j);
            y[p + j] = (q & 15) * d + m;
            y[p + j + 16] = (q >>> 4) * d + m;
        }
    }

    private static void q5_0(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o);
        int qh = s.get(LittleEndian.I32, o + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 6 + j);
            y[p + j] = (((q & 15) | (((qh >>> j) << 4) & 0x10)) - 16) * d;
            y[p + j + 16] = (((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) - 16) * d;
        }
    }

    private static void q5_1(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o);
        float m = f16(s, o + 2);
        int qh = s.get(LittleEndian.I32, o + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, o + 8 + j);
            y[p + j] = ((q & 15) | (((qh >>> j) << 4) & 0x10)) * d + m;
            y[p + j + 16] = ((q >>> 4) | ((qh >>> (j + 12)) & 0x10)) * d + m;
        }
    }

    private static void q8_0(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o);
        for (int j = 0; j < 32; j++) {
            y[p + j] = s.get(ValueLayout.JAVA_BYTE, o + 2 + j) * d;
        }
    }

    private static void q2_K(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o + 80);
        float min = f16(s, o + 82);
        int is = 0;
        for (int half = 0; half < 2; half++) {
            long q = o + 16 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    int sc = u8(s, o + is++);
                    float dl = d * (sc & 15);
                    float ml = min * (sc >>> 4);
                    for (int l = 0; l < 16; l++) {
                        y[p++] = dl * ((u8(s, q + 16 * part + l) >>> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    private static void q3_K(MemorySegment s, long o, float[] y, int p) {
        float dAll = f16(s, o + 108);
        long packed = s.get(LittleEndian.I64, o + 96);
        int packedHigh = s.get(LittleEndian.I32, o + 104);
        int is = 0;
        int m = 1;
        for (int half = 0; half < 2; half++) {
            long q = o + 32 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    float dl = dAll * KScales.q3kScale(packed, packedHigh, is++);
                    for (int l = 16 * part; l < 16 * part + 16; l++) {
                        int q2 = (u8(s, q + l) >>> shift) & 3;
                        y[p++] = dl * (q2 - ((u8(s, o + l) & m) != 0 ? 0 : 4));
                    }
                }
                m <<= 1;
            }
        }
    }

    private static void q4_K(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o);
        float min = f16(s, o + 2);
        long packed = s.get(LittleEndian.I64, o + 4);
        int packedHigh = s.get(LittleEndian.I32, o + 12);
        long scales = KScales.q4kScales(packed, packedHigh);
        long mins = KScales.q4kMins(packed, packedHigh);
        for (int chunk = 0; chunk < 4; chunk++) {
            float d1 = d * KScales.get(scales, 2 * chunk);
            float m1 = min * KScales.get(mins, 2 * chunk);
            float d2 = d * KScales.get(scales, 2 * chunk + 1);
            float m2 = min * KScales.get(mins, 2 * chunk + 1);
            long q = o + 16 + 32 * chunk;
            for (int l = 0; l < 32; l++) {
                y[p + l] = d1 * (u8(s, q + l) & 15) - m1;
                y[p + 32 + l] = d2 * (u8(s, q + l) >>> 4) - m2;
            }
            p += 64;
        }
    }

    private static void q5_K(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o);
        float min = f16(s, o + 2);
        long packed = s.get(LittleEndian.I64, o + 4);
        int packedHigh = s.get(LittleEndian.I32, o + 12);
        long scales = KScales.q4kScales(packed, packedHigh);
        long mins = KScales.q4kMins(packed, packedHigh);
        for (int chunk = 0; chunk < 4; chunk++) {
            float d1 = d * KScales.get(scales, 2 * chunk);
            float m1 = min * KScales.get(mins, 2 * chunk);
            float d2 = d * KScales.get(scales, 2 * chunk + 1);
            float m2 = min * KScales.get(mins, 2 * chunk + 1);
            long q = o + 48 + 32 * chunk;
            for (int l = 0; l < 32; l++) {
                int qh = u8(s, o + 16 + l);
                int ql = u8(s, q + l);
                y[p + l] = d1 * ((ql & 15) + ((qh >>> (2 * chunk)) & 1) * 16) - m1;
                y[p + 32 + l] = d2 * ((ql >>> 4) + ((qh >>> (2 * chunk + 1)) & 1) * 16) - m2;
            }
            p += 64;
        }
    }

    private static void q6_K(MemorySegment s, long o, float[] y, int p) {
        float d = f16(s, o + 208);
        for (int half = 0; half < 2; half++) {
            long ql = o + 64 * half;
            long qh = o + 128 + 32 * half;
            long sc = o + 192 + 8 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = u8(s, qh + l);
                int a = u8(s, ql + l);
                int b = u8(s, ql + l + 32);
                y[p + l] = d * s.get(ValueLayout.JAVA_BYTE, sc + is) * (((a & 15) | ((h & 3) << 4)) - 32);
                y[p + l + 32] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2) * (((b & 15) | (((h >>> 2) & 3) << 4)) - 32);
                y[p + l + 64] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4) * (((a >>> 4) | (((h >>> 4) & 3) << 4)) - 32);
                y[p + l + 96] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6) * (((b >>> 4) | (((h >>> 6) & 3) << 4)) - 32);
            }
            p += 128;
        }
    }
}
