package dev.gemmaspark.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Test oracle: plain scalar dequantization written from the block layouts of spec section 2.2 (independently of
 * the quantizer and of the engine's kernels).
 */
public final class SpecDequantizer {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private SpecDequantizer() {
    }

    public static float[] dequantize(GGMLType type, byte[] data, int count) {
        return dequantize(type, MemorySegment.ofArray(data), count);
    }

    public static float[] dequantize(TensorInfo t) {
        return dequantize(t.type(), t.data(), Math.toIntExact(t.elementCount()));
    }

    public static float[] dequantize(GGMLType type, MemorySegment s, int count) {
        float[] out = new float[count];
        int blocks = count / type.blockSize;
        for (int b = 0; b < blocks; b++) {
            long o = (long) b * type.blockBytes;
            int y = b * type.blockSize;
            switch (type) {
                case F32 -> out[y] = s.get(F32, o);
                case F16 -> out[y] = Float.float16ToFloat(s.get(I16, o));
                case BF16 -> out[y] = Float.intBitsToFloat((s.get(I16, o) & 0xFFFF) << 16);
                case Q8_0 -> {
                    float d = f16(s, o);
                    for (int j = 0; j < 32; j++) {
                        out[y + j] = s.get(ValueLayout.JAVA_BYTE, o + 2 + j) * d;
                    }
                }
                case Q4_0 -> {
                    float d = f16(s, o);
                    for (int j = 0; j < 16; j++) {
                        int q = u8(s, o + 2 + j);
                        out[y + j] = ((q & 15) - 8) * d;
                        out[y + j + 16] = ((q >> 4) - 8) * d;
                    }
                }
                case Q4_K -> q4K(s, o, out, y);
                case Q6_K -> q6K(s, o, out, y);
                default -> throw new IllegalArgumentException("no test dequantizer for " + type);
            }
        }
        return out;
    }

    private static void q4K(MemorySegment s, long o, float[] out, int y) {
        float d = f16(s, o);
        float dmin = f16(s, o + 2);
        int[] sc = new int[12];
        for (int i = 0; i < 12; i++) {
            sc[i] = u8(s, o + 4 + i);
        }
        for (int c = 0; c < 4; c++) {
            for (int half = 0; half < 2; half++) {
                int j = 2 * c + half;
                int scale = j < 4 ? sc[j] & 63 : (sc[j + 4] & 15) | ((sc[j - 4] >> 6) << 4);
                int min = j < 4 ? sc[j + 4] & 63 : (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
                for (int l = 0; l < 32; l++) {
                    int q = u8(s, o + 16 + 32 * c + l);
                    int nibble = half == 0 ? q & 15 : q >> 4;
                    out[y + 64 * c + 32 * half + l] = d * scale * nibble - dmin * min;
                }
            }
        }
    }

    private static void q6K(MemorySegment s, long o, float[] out, int y) {
        float d = f16(s, o + 208);
        for (int h = 0; h < 2; h++) {
            long ql = o + 64 * h;
            long qh = o + 128 + 32 * h;
            long sc = o + 192 + 8 * h;
            int base = y + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int a = u8(s, ql + l);
                int b = u8(s, ql + l + 32);
                int hb = u8(s, qh + l);
                int q1 = (a & 15) | ((hb & 3) << 4);
                int q2 = (b & 15) | (((hb >> 2) & 3) << 4);
                int q3 = (a >> 4) | (((hb >> 4) & 3) << 4);
                int q4 = (b >> 4) | (((hb >> 6) & 3) << 4);
                out[base + l] = d * i8(s, sc + is) * (q1 - 32);
                out[base + l + 32] = d * i8(s, sc + is + 2) * (q2 - 32);
                out[base + l + 64] = d * i8(s, sc + is + 4) * (q3 - 32);
                out[base + l + 96] = d * i8(s, sc + is + 6) * (q4 - 32);
            }
        }
    }

    private static float f16(MemorySegment s, long o) {
        return Float.float16ToFloat(s.get(I16, o));
    }

    private static int u8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o) & 0xFF;
    }

    private static int i8(MemorySegment s, long o) {
        return s.get(ValueLayout.JAVA_BYTE, o);
    }
}
