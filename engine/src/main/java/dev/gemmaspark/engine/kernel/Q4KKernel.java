package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.KScales;
import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K weights against Q8_K activations (ggml_vec_dot_q4_K_q8_K): per super-block, d_w*d_x times the exact
 * integer sum over the 8 sub-blocks of sc*(sum of nibble*q8), minus dmin_w*d_x times the integer sum of
 * m*(the sub-block's Q8_K 32-sum). Products are taken in 16-bit lanes and summed pairwise into 32-bit lanes,
 * which are scaled by sc as integer-valued floats (exact below 2^24); each super-block's sums are then scaled
 * by d_w*d_x.
 */
final class Q4KKernel extends TiledKernel {
    Q4KKernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 8;
        short[] xq = a.shorts;
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
            KScales.spread(KScales.q4kMins(packed, packedHigh), lanes, SCALES);
            FloatVector mins = FloatVector.fromArray(F, lanes, SCALES);
            // Low and high nibbles in separate chains: their sums are exact integers, so splitting changes no bit
            // but halves the chain of dependent FMAs per super-block.
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = p0;
            for (int c = 0; c < 4; c++) {
                long q = off + 16 + 32 * c;
                ByteVector qa = ByteVector.fromMemorySegment(B16, w, q, LE);
                ByteVector qb = ByteVector.fromMemorySegment(B16, w, q + 16, LE);
                ShortVector la = (ShortVector) qa.and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector lb = (ShortVector) qb.and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector ua = (ShortVector) qa.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector ub = (ShortVector) qb.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                float scLow = (int) (scales >>> (c << 4)) & 0xFF;
                float scHigh = (int) (scales >>> ((c << 4) + 8)) & 0xFF;
                int e = 64 * c;
                IntVector s0 = la.mul(ShortVector.fromArray(S16, xq, x0 + e)).add(lb.mul(ShortVector.fromArray(S16, xq, x0 + e + 16))).reinterpretAsInts();
                IntVector u0 = ua.mul(ShortVector.fromArray(S16, xq, x0 + e + 32)).add(ub.mul(ShortVector.fromArray(S16, xq, x0 + e + 48))).reinterpretAsInts();
                p0 = ((FloatVector) s0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s0.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scLow), p0);
                p1 = ((FloatVector) u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(u0.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scHigh), p1);
            }
            acc0 = p0.add(p1).fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
            acc0 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d0 + sb))).fma(FloatVector.broadcast(F, -xd[d0 + sb] * dmin), acc0);
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
        float[] bs = a.bsums32;
        int x0 = t0 * cols, x1 = t1 * cols, x2 = t2 * cols, x3 = t3 * cols;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 144, x0 += 256, x1 += 256, x2 += 256, x3 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.I16, off + 2));
            long packed = w.get(LittleEndian.I64, off + 4);
            int packedHigh = w.get(LittleEndian.I32, off + 12);
            long scales = KScales.q4kScales(packed, packedHigh);
            KScales.spread(KScales.q4kMins(packed, packedHigh), lanes, SCALES);
            FloatVector mins = FloatVector.fromArray(F, lanes, SCALES);
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = FloatVector.zero(F);
            FloatVector p2 = FloatVector.zero(F);
            FloatVector p3 = FloatVector.zero(F);
            for (int c = 0; c < 4; c++) {
                long q = off + 16 + 32 * c;
                ByteVector qa = ByteVector.fromMemorySegment(B16, w, q, LE);
                ByteVector qb = ByteVector.fromMemorySegment(B16, w, q + 16, LE);
                ShortVector la = (ShortVector) qa.and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector lb = (ShortVector) qb.and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector ua = (ShortVector) qa.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                ShortVector ub = (ShortVector) qb.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).convertShape(VectorOperators.B2S, S16, 0);
                float scLow = (int) (scales >>> (c << 4)) & 0xFF;
                float scHigh = (int) (scales >>> ((c << 4) + 8)) & 0xFF;
                int e = 64 * c;
                IntVector s0 = la.mul(ShortVector.fromArray(S16, xq, x0 + e)).add(lb.mul(ShortVector.fromArray(S16, xq, x0 + e + 16))).reinterpretAsInts();
                IntVector u0 = ua.mul(ShortVector.fromArray(S16, xq, x0 + e + 32)).add(ub.mul(ShortVector.fromArray(S16, xq, x0 + e + 48))).reinterpretAsInts();
                p0 = ((FloatVector) s0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s0.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scLow), p0);
                p0 = ((FloatVector) u0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(u0.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scHigh), p0);
                IntVector s1 = la.mul(ShortVector.fromArray(S16, xq, x1 + e)).add(lb.mul(ShortVector.fromArray(S16, xq, x1 + e + 16))).reinterpretAsInts();
                IntVector u1 = ua.mul(ShortVector.fromArray(S16, xq, x1 + e + 32)).add(ub.mul(ShortVector.fromArray(S16, xq, x1 + e + 48))).reinterpretAsInts();
                p1 = ((FloatVector) s1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s1.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scLow), p1);
                p1 = ((FloatVector) u1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(u1.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scHigh), p1);
                IntVector s2 = la.mul(ShortVector.fromArray(S16, xq, x2 + e)).add(lb.mul(ShortVector.fromArray(S16, xq, x2 + e + 16))).reinterpretAsInts();
                IntVector u2 = ua.mul(ShortVector.fromArray(S16, xq, x2 + e + 32)).add(ub.mul(ShortVector.fromArray(S16, xq, x2 + e + 48))).reinterpretAsInts();
                p2 = ((FloatVector) s2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s2.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scLow), p2);
                p2 = ((FloatVector) u2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(u2.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scHigh), p2);
                IntVector s3 = la.mul(ShortVector.fromArray(S16, xq, x3 + e)).add(lb.mul(ShortVector.fromArray(S16, xq, x3 + e + 16))).reinterpretAsInts();
                IntVector u3 = ua.mul(ShortVector.fromArray(S16, xq, x3 + e + 32)).add(ub.mul(ShortVector.fromArray(S16, xq, x3 + e + 48))).reinterpretAsInts();
                p3 = ((FloatVector) s3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(s3.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scLow), p3);
                p3 = ((FloatVector) u3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(u3.lanewise(VectorOperators.ASHR, 16))
                        .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, scHigh), p3);
            }
            acc0 = p0.fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
            acc0 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d0 + sb))).fma(FloatVector.broadcast(F, -xd[d0 + sb] * dmin), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, dw * xd[d1 + sb]), acc1);
            acc1 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d1 + sb))).fma(FloatVector.broadcast(F, -xd[d1 + sb] * dmin), acc1);
            acc2 = p2.fma(FloatVector.broadcast(F, dw * xd[d2 + sb]), acc2);
            acc2 = mins.mul(FloatVector.fromArray(F, bs, 8 * (d2 + sb))).fma(FloatVector.broadcast(F, -xd[d2 + sb] * dmin), acc2);
            acc3 = p3.fma(FloatVector.broadcast(F, dw * xd[d3 + sb]), acc3);
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
