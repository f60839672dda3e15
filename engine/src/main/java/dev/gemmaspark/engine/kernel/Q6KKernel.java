package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K weights against Q8_K activations (ggml_vec_dot_q6_K_q8_K): per super-block, d_w*d_x times the exact
 * integer sum of sc*(q6-32)*q8. Each pass decodes 16 columns of a half (16 bytes of ql, ql+32 and qh) into
 * four groups of 16 values; their products are taken in 16-bit lanes and summed pairwise into 32-bit lanes,
 * which are scaled by the int8 group scales as integer-valued floats (exact below 2^24).
 */
final class Q6KKernel extends TiledKernel {
    Q6KKernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 8;
        short[] xq = a.shorts;
        float[] xd = a.scales;
        int x0 = t * cols;
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 210, x0 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off + 208));
            // One chain per group of the quarter: the sums are exact integers, so splitting changes no bit but
            // shortens the chain of dependent FMAs per super-block from 16 to 4.
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            FloatVector p2 = p0;
            FloatVector p3 = p0;
            for (int quarter = 0; quarter < 4; quarter++) {
                // Group quarter: half h, 16-column part i; four 16-element groups q1..q4 with scales 8h+i+2j.
                int h = quarter >> 1;
                int i = quarter & 1;
                ByteVector la = ByteVector.fromMemorySegment(B16, w, off + 64 * h + 16 * i, LE);
                ByteVector lb = ByteVector.fromMemorySegment(B16, w, off + 64 * h + 32 + 16 * i, LE);
                IntVector hi = ByteVector.fromMemorySegment(B16, w, off + 128 + 32 * h + 16 * i, LE).reinterpretAsInts();
                ShortVector w0 = (ShortVector) la.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30))
                        .sub((byte) 32).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector w1 = (ShortVector) lb.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30))
                        .sub((byte) 32).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector w2 = (ShortVector) la.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hi.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector w3 = (ShortVector) lb.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hi.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32)
                        .convertShape(VectorOperators.B2S, S16, 0);
                long sc = off + 192 + 8 * h + i;
                float sc0 = w.get(ValueLayout.JAVA_BYTE, sc);
                float sc1 = w.get(ValueLayout.JAVA_BYTE, sc + 2);
                float sc2 = w.get(ValueLayout.JAVA_BYTE, sc + 4);
                float sc3 = w.get(ValueLayout.JAVA_BYTE, sc + 6);
                int e = 128 * h + 16 * i;
                IntVector s00 = w0.mul(ShortVector.fromArray(S16, xq, x0 + e + 0)).reinterpretAsInts();
                IntVector s01 = w1.mul(ShortVector.fromArray(S16, xq, x0 + e + 32)).reinterpretAsInts();
                IntVector s02 = w2.mul(ShortVector.fromArray(S16, xq, x0 + e + 64)).reinterpretAsInts();
                IntVector s03 = w3.mul(ShortVector.fromArray(S16, xq, x0 + e + 96)).reinterpretAsInts();
                p0 = ((FloatVector) s00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s00.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc0), p0);
                p1 = ((FloatVector) s01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s01.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc1), p1);
                p2 = ((FloatVector) s02.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s02.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc2), p2);
                p3 = ((FloatVector) s03.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s03.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc3), p3);
            }
            acc0 = p0.add(p1).add(p2.add(p3)).fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
        }
        acc0.intoArray(lanes, 0);
        lanes[EXTRA] = 0;
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 8;
        short[] xq = a.shorts;
        float[] xd = a.scales;
        int x0 = t0 * cols, x1 = t1 * cols, x2 = t2 * cols, x3 = t3 * cols;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 210, x0 += 256, x1 += 256, x2 += 256, x3 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off + 208));
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = FloatVector.zero(F);
            FloatVector p2 = FloatVector.zero(F);
            FloatVector p3 = FloatVector.zero(F);
            for (int quarter = 0; quarter < 4; quarter++) {
                // Group quarter: half h, 16-column part i; four 16-element groups q1..q4 with scales 8h+i+2j.
                int h = quarter >> 1;
                int i = quarter & 1;
                ByteVector la = ByteVector.fromMemorySegment(B16, w, off + 64 * h + 16 * i, LE);
                ByteVector lb = ByteVector.fromMemorySegment(B16, w, off + 64 * h + 32 + 16 * i, LE);
                IntVector hi = ByteVector.fromMemorySegment(B16, w, off + 128 + 32 * h + 16 * i, LE).reinterpretAsInts();
                ShortVector w0 = (ShortVector) la.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30))
                        .sub((byte) 32).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector w1 = (ShortVector) lb.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30))
                        .sub((byte) 32).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector w2 = (ShortVector) la.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hi.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector w3 = (ShortVector) lb.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hi.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32)
                        .convertShape(VectorOperators.B2S, S16, 0);
                long sc = off + 192 + 8 * h + i;
                float sc0 = w.get(ValueLayout.JAVA_BYTE, sc);
                float sc1 = w.get(ValueLayout.JAVA_BYTE, sc + 2);
                float sc2 = w.get(ValueLayout.JAVA_BYTE, sc + 4);
                float sc3 = w.get(ValueLayout.JAVA_BYTE, sc + 6);
                int e = 128 * h + 16 * i;
                IntVector s00 = w0.mul(ShortVector.fromArray(S16, xq, x0 + e + 0)).reinterpretAsInts();
                IntVector s01 = w1.mul(ShortVector.fromArray(S16, xq, x0 + e + 32)).reinterpretAsInts();
                IntVector s02 = w2.mul(ShortVector.fromArray(S16, xq, x0 + e + 64)).reinterpretAsInts();
                IntVector s03 = w3.mul(ShortVector.fromArray(S16, xq, x0 + e + 96)).reinterpretAsInts();
                p0 = ((FloatVector) s00.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s00.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc0), p0);
                p0 = ((FloatVector) s01.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s01.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc1), p0);
                p0 = ((FloatVector) s02.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s02.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc2), p0);
                p0 = ((FloatVector) s03.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s03.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc3), p0);
                IntVector s10 = w0.mul(ShortVector.fromArray(S16, xq, x1 + e + 0)).reinterpretAsInts();
                IntVector s11 = w1.mul(ShortVector.fromArray(S16, xq, x1 + e + 32)).reinterpretAsInts();
                IntVector s12 = w2.mul(ShortVector.fromArray(S16, xq, x1 + e + 64)).reinterpretAsInts();
                IntVector s13 = w3.mul(ShortVector.fromArray(S16, xq, x1 + e + 96)).reinterpretAsInts();
                p1 = ((FloatVector) s10.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s10.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc0), p1);
                p1 = ((FloatVector) s11.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s11.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc1), p1);
                p1 = ((FloatVector) s12.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s12.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc2), p1);
                p1 = ((FloatVector) s13.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s13.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc3), p1);
                IntVector s20 = w0.mul(ShortVector.fromArray(S16, xq, x2 + e + 0)).reinterpretAsInts();
                IntVector s21 = w1.mul(ShortVector.fromArray(S16, xq, x2 + e + 32)).reinterpretAsInts();
                IntVector s22 = w2.mul(ShortVector.fromArray(S16, xq, x2 + e + 64)).reinterpretAsInts();
                IntVector s23 = w3.mul(ShortVector.fromArray(S16, xq, x2 + e + 96)).reinterpretAsInts();
                p2 = ((FloatVector) s20.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s20.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc0), p2);
                p2 = ((FloatVector) s21.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s21.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc1), p2);
                p2 = ((FloatVector) s22.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s22.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc2), p2);
                p2 = ((FloatVector) s23.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s23.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc3), p2);
                IntVector s30 = w0.mul(ShortVector.fromArray(S16, xq, x3 + e + 0)).reinterpretAsInts();
                IntVector s31 = w1.mul(ShortVector.fromArray(S16, xq, x3 + e + 32)).reinterpretAsInts();
                IntVector s32 = w2.mul(ShortVector.fromArray(S16, xq, x3 + e + 64)).reinterpretAsInts();
                IntVector s33 = w3.mul(ShortVector.fromArray(S16, xq, x3 + e + 96)).reinterpretAsInts();
                p3 = ((FloatVector) s30.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s30.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc0), p3);
                p3 = ((FloatVector) s31.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s31.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc1), p3);
                p3 = ((FloatVector) s32.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s32.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc2), p3);
                p3 = ((FloatVector) s33.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s33.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, sc3), p3);
            }
            acc0 = p0.fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, dw * xd[d1 + sb]), acc1);
            acc2 = p2.fma(FloatVector.broadcast(F, dw * xd[d2 + sb]), acc2);
            acc3 = p3.fma(FloatVector.broadcast(F, dw * xd[d3 + sb]), acc3);
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
