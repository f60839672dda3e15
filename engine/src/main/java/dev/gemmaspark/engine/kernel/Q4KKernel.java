package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.KScales;
import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K weights against Q8_K activations (ggml_vec_dot_q4_K_q8_K): per super-block, d_w*d_x times the exact
 * integer sum over the 8 sub-blocks of sc*(sum of nibble*q8), minus dmin_w*d_x times the integer sum of
 * m*(the sub-block's Q8_K 32-sum), both exact integers scaled in f32.
 */
final class Q4KKernel extends TiledKernel {
    private static final VectorMask<Byte> UPPER_HALF = VectorMask.fromArray(B8, new boolean[] {false, false, false, false, true, true, true, true}, 0);

    Q4KKernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 8;
        float[] xq = a.values;
        float[] xd = a.scales;
        float[] bs = a.bsums32;
        int x0 = t * cols;
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 144, x0 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.I16, off + 2));
            long packed = w.get(LittleEndian.I64, off + 4);
            int packedHigh = w.get(LittleEndian.I32, off + 12);
            long scales = KScales.q4kScales(packed, packedHigh);
            // The 8 mins as lanes, unpacked like KScales.q4kMins: m = s[j+4] & 63 for j < 4, else (s[j+4] >> 4) | (s[j] >> 6) << 4.
            ByteVector s4to11 = ByteVector.fromMemorySegment(B8, w, off + 8, LE);
            ByteVector s0to7 = ByteVector.fromMemorySegment(B8, w, off + 4, LE);
            FloatVector mins = (FloatVector) s4to11.and((byte) 63).blend(s4to11.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4)
                    .reinterpretAsBytes().and((byte) 15).or(s0to7.reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes()
                    .and((byte) 0x30)), UPPER_HALF).convertShape(VectorOperators.B2F, F, 0);
            FloatVector p0 = FloatVector.zero(F);
            FloatVector q0 = FloatVector.zero(F);
            for (int g = 0; g < 8; g += 2) {
                {
                    int gi = g;
                    long q = off + 16 + 32 * (gi >> 1);
                    int shift = (gi & 1) << 2;
                    FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 8, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w2 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 16, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w3 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 24, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector scale = FloatVector.broadcast(F, (float) ((scales >>> (gi << 3)) & 0xFF));
                    int c = 32 * gi;
                    p0 = w3.fma(FloatVector.fromArray(F, xq, x0 + c + 24), w2.fma(FloatVector.fromArray(F, xq, x0 + c + 16), w1.fma(FloatVector.fromArray(F, xq, x0 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x0 + c)))))
                            .fma(scale, p0);
                }
                {
                    int gi = g + 1;
                    long q = off + 16 + 32 * (gi >> 1);
                    int shift = (gi & 1) << 2;
                    FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 8, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w2 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 16, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w3 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 24, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                            .and((byte) 15)
                            .convertShape(VectorOperators.B2F, F, 0);
                    FloatVector scale = FloatVector.broadcast(F, (float) ((scales >>> (gi << 3)) & 0xFF));
                    int c = 32 * gi;
                    q0 = w3.fma(FloatVector.fromArray(F, xq, x0 + c + 24), w2.fma(FloatVector.fromArray(F, xq, x0 + c + 16), w1.fma(FloatVector.fromArray(F, xq, x0 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x0 + c)))))
                            .fma(scale, q0);
                }
            }
            p0 = p0.add(q0);
            acc0 = p0.fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
            acc0 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d0 + sb))).fma(FloatVector.broadcast(F, -xd[d0 + sb] * dmin), acc0);
        }
        acc0.intoArray(lanes, 0);
        lanes[EXTRA] = 0;
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 8;
        float[] xq = a.values;
        float[] xd = a.scales;
        float[] bs = a.bsums32;
        int x0 = t0 * cols, x1 = t1 * cols, x2 = t2 * cols, x3 = t3 * cols;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 144, x0 += 256, x1 += 256, x2 += 256, x3 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.I16, off + 2));
            long packed = w.get(LittleEndian.I64, off + 4);
            int packedHigh = w.get(LittleEndian.I32, off + 12);
            long scales = KScales.q4kScales(packed, packedHigh);
            // The 8 mins as lanes, unpacked like KScales.q4kMins: m = s[j+4] & 63 for j < 4, else (s[j+4] >> 4) | (s[j] >> 6) << 4.
            ByteVector s4to11 = ByteVector.fromMemorySegment(B8, w, off + 8, LE);
            ByteVector s0to7 = ByteVector.fromMemorySegment(B8, w, off + 4, LE);
            FloatVector mins = (FloatVector) s4to11.and((byte) 63).blend(s4to11.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4)
                    .reinterpretAsBytes().and((byte) 15).or(s0to7.reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes()
                    .and((byte) 0x30)), UPPER_HALF).convertShape(VectorOperators.B2F, F, 0);
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = FloatVector.zero(F);
            FloatVector p2 = FloatVector.zero(F);
            FloatVector p3 = FloatVector.zero(F);
            for (int gi = 0; gi < 8; gi++) {
                long q = off + 16 + 32 * (gi >> 1);
                int shift = (gi & 1) << 2;
                FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                        .and((byte) 15)
                        .convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 8, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                        .and((byte) 15)
                        .convertShape(VectorOperators.B2F, F, 0);
                FloatVector w2 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 16, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                        .and((byte) 15)
                        .convertShape(VectorOperators.B2F, F, 0);
                FloatVector w3 = (FloatVector) ByteVector.fromMemorySegment(B8, w, q + 24, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift).reinterpretAsBytes()
                        .and((byte) 15)
                        .convertShape(VectorOperators.B2F, F, 0);
                FloatVector scale = FloatVector.broadcast(F, (float) ((scales >>> (gi << 3)) & 0xFF));
                int c = 32 * gi;
                p0 = w3.fma(FloatVector.fromArray(F, xq, x0 + c + 24), w2.fma(FloatVector.fromArray(F, xq, x0 + c + 16), w1.fma(FloatVector.fromArray(F, xq, x0 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x0 + c)))))
                        .fma(scale, p0);
                p1 = w3.fma(FloatVector.fromArray(F, xq, x1 + c + 24), w2.fma(FloatVector.fromArray(F, xq, x1 + c + 16), w1.fma(FloatVector.fromArray(F, xq, x1 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x1 + c)))))
                        .fma(scale, p1);
                p2 = w3.fma(FloatVector.fromArray(F, xq, x2 + c + 24), w2.fma(FloatVector.fromArray(F, xq, x2 + c + 16), w1.fma(FloatVector.fromArray(F, xq, x2 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x2 + c)))))
                        .fma(scale, p2);
                p3 = w3.fma(FloatVector.fromArray(F, xq, x3 + c + 24), w2.fma(FloatVector.fromArray(F, xq, x3 + c + 16), w1.fma(FloatVector.fromArray(F, xq, x3 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x3 + c)))))
                        .fma(scale, p3);
            }
            acc0 = p0.fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, dw * xd[d1 + sb]), acc1);
            acc2 = p2.fma(FloatVector.broadcast(F, dw * xd[d2 + sb]), acc2);
            acc3 = p3.fma(FloatVector.broadcast(F, dw * xd[d3 + sb]), acc3);
            acc0 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d0 + sb))).fma(FloatVector.broadcast(F, -xd[d0 + sb] * dmin), acc0);
            acc1 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d1 + sb))).fma(FloatVector.broadcast(F, -xd[d1 + sb] * dmin), acc1);
            acc2 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d2 + sb))).fma(FloatVector.broadcast(F, -xd[d2 + sb] * dmin), acc2);
            acc3 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d3 + sb))).fma(FloatVector.broadcast(F, -xd[d3 + sb] * dmin), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, 8);
        acc2.intoArray(lanes, 16);
        acc3.intoArray(lanes, 24);
        lanes[EXTRA] = 0;
        lanes[EXTRA + 1] = 0;
        lanes[EXTRA + 2] = 0;
        lanes[EXTRA + 3] = 0;
    }
}
