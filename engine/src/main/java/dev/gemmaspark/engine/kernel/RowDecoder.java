package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.Dequantizer;
import dev.gemmaspark.engine.quant.KScales;
import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Dequantizes whole blocks of a weight row to f32 for {@link PanelKernel}, with the same float operations as ggml's
 * dequantize_row (and {@link Dequantizer}), so the values are bit-identical to get_rows. The types that E2B and
 * E4B files use are vectorized; the others go through {@link Dequantizer}.
 */
@FunctionalInterface
interface RowDecoder {
    /** Writes the {@code cols} weights (whole blocks) that start at byte {@code off} to {@code dst[dstOff ..]}. */
    void decode(MemorySegment w, long off, int cols, float[] dst, int dstOff);

    static RowDecoder forType(GGMLType type) {
        return switch (type) {
            case Q8_0 -> Vectorized::q8_0;
            case Q4_K -> Vectorized::q4_K;
            case Q6_K -> Vectorized::q6_K;
            default -> (w, off, cols, dst, dstOff) -> Dequantizer.dequantize(type, w, off, dst, dstOff, cols);
        };
    }

    /** Block decoders on 8-byte vectors: each byte lane widens to one float lane, 8 weights per store. */
    final class Vectorized {
        private Vectorized() {
        }

        private static FloatVector widen(ByteVector b) {
            return (FloatVector) b.convertShape(VectorOperators.B2F, RowKernel.F, 0);
        }

        static void q8_0(MemorySegment w, long off, int cols, float[] dst, int p) {
            for (int end = p + cols; p < end; p += 32, off += 34) {
                FloatVector d = FloatVector.broadcast(RowKernel.F, Float.float16ToFloat(w.get(LittleEndian.I16, off)));
                for (int i = 0; i < 32; i += 8) {
                    widen(ByteVector.fromMemorySegment(RowKernel.B8, w, off + 2 + i, RowKernel.LE)).mul(d).intoArray(dst, p + i);
                }
            }
        }

        static void q4_K(MemorySegment w, long off, int cols, float[] dst, int p) {
            for (int end = p + cols; p < end; off += 144) {
                float d = Float.float16ToFloat(w.get(LittleEndian.I16, off));
                float min = Float.float16ToFloat(w.get(LittleEndian.I16, off + 2));
                long packed = w.get(LittleEndian.I64, off + 4);
                int packedHigh = w.get(LittleEndian.I32, off + 12);
                long scales = KScales.q4kScales(packed, packedHigh);
                long mins = KScales.q4kMins(packed, packedHigh);
                for (int chunk = 0; chunk < 4; chunk++, p += 64) {
                    FloatVector d1 = FloatVector.broadcast(RowKernel.F, d * KScales.get(scales, 2 * chunk));
                    FloatVector m1 = FloatVector.broadcast(RowKernel.F, min * KScales.get(mins, 2 * chunk));
                    FloatVector d2 = FloatVector.broadcast(RowKernel.F, d * KScales.get(scales, 2 * chunk + 1));
                    FloatVector m2 = FloatVector.broadcast(RowKernel.F, min * KScales.get(mins, 2 * chunk + 1));
                    long q = off + 16 + 32 * chunk;
                    for (int l = 0; l < 32; l += 8) {
                        ByteVector b = ByteVector.fromMemorySegment(RowKernel.B8, w, q + l, RowKernel.LE);
                        d1.mul(widen(b.and((byte) 15))).sub(m1).intoArray(dst, p + l);
                        d2.mul(widen(b.lanewise(VectorOperators.LSHR, 4))).sub(m2).intoArray(dst, p + 32 + l);
                    }
                }
            }
        }

        static void q6_K(MemorySegment w, long off, int cols, float[] dst, int p) {
            for (int end = p + cols; p < end; off += 210) {
                float d = Float.float16ToFloat(w.get(LittleEndian.I16, off + 208));
                for (int half = 0; half < 2; half++, p += 128) {
                    long ql = off + 64 * half;
                    long qh = off + 128 + 32 * half;
                    long sc = off + 192 + 8 * half;
                    for (int l = 0; l < 32; l += 8) {
                        int is = l / 16;
                        ByteVector a = ByteVector.fromMemorySegment(RowKernel.B8, w, ql + l, RowKernel.LE);
                        ByteVector b = ByteVector.fromMemorySegment(RowKernel.B8, w, ql + l + 32, RowKernel.LE);
                        ByteVector h = ByteVector.fromMemorySegment(RowKernel.B8, w, qh + l, RowKernel.LE);
                        ByteVector q1 = a.and((byte) 15).or(h.and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                        ByteVector q2 = b.and((byte) 15).or(h.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                        ByteVector q3 = a.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4));
                        ByteVector q4 = b.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4));
                        widen(q1.sub((byte) 32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + is)).intoArray(dst, p + l);
                        widen(q2.sub((byte) 32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2)).intoArray(dst, p + l + 32);
                        widen(q3.sub((byte) 32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + is + 4)).intoArray(dst, p + l + 64);
                        widen(q4.sub((byte) 32)).mul(d * w.get(ValueLayout.JAVA_BYTE, sc + is + 6)).intoArray(dst, p + l + 96);
                    }
                }
            }
        }
    }
}
