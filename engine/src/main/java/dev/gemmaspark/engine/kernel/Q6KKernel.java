package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.KScales;
import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K weights against Q8_K activations (ggml_vec_dot_q6_K_q8_K): per super-block, d_w*d_x times the exact
 * integer sum of sc*(q6-32)*q8. Each pass decodes 8 columns of a half (one 8-byte slice of ql, ql+32 and qh)
 * into its four 6-bit values, multiplied by their int8 group scales: products stay below 2^24.
 */
final class Q6KKernel extends TiledKernel {
    Q6KKernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 8;
        float[] xq = a.values;
        float[] xd = a.scales;
        int x0 = t * cols;
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 210, x0 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off + 208));
            KScales.q6k(w, off + 192, lanes, SCALES);
            FloatVector p0 = FloatVector.zero(F), p1 = p0, p2 = p0, p3 = p0;
            for (int it = 0; it < 4; it++) {
                // One token: two adjacent column slices share their four group scales, applied once to their sum.
                int h = it >> 1;
                int kk = it & 1;
                long qla = off + 64 * h + 8 * (2 * kk);
                ByteVector loa = ByteVector.fromMemorySegment(B8, w, qla, LE);
                ByteVector lqa = ByteVector.fromMemorySegment(B8, w, qla + 32, LE);
                IntVector hia = ByteVector.fromMemorySegment(B8, w, off + 128 + 32 * h + 8 * (2 * kk), LE).reinterpretAsInts();
                FloatVector w0a = (FloatVector) loa.and((byte) 15).or(hia.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes()
                        .and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1a = (FloatVector) lqa.and((byte) 15).or(hia.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes()
                        .and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w2a = (FloatVector) loa.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hia.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w3a = (FloatVector) lqa.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hia.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32)
                        .convertShape(VectorOperators.B2F, F, 0);
                long qlb = off + 64 * h + 8 * (2 * kk + 1);
                ByteVector lob = ByteVector.fromMemorySegment(B8, w, qlb, LE);
                ByteVector lqb = ByteVector.fromMemorySegment(B8, w, qlb + 32, LE);
                IntVector hib = ByteVector.fromMemorySegment(B8, w, off + 128 + 32 * h + 8 * (2 * kk + 1), LE).reinterpretAsInts();
                FloatVector w0b = (FloatVector) lob.and((byte) 15).or(hib.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes()
                        .and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1b = (FloatVector) lqb.and((byte) 15).or(hib.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes()
                        .and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w2b = (FloatVector) lob.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hib.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w3b = (FloatVector) lqb.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hib.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32)
                        .convertShape(VectorOperators.B2F, F, 0);
                int sc = SCALES + 8 * h + kk;
                int c = 128 * h + 16 * kk;
                p0 = w0b.fma(FloatVector.fromArray(F, xq, x0 + c + 8), w0a.mul(FloatVector.fromArray(F, xq, x0 + c + 0)))
                        .fma(FloatVector.broadcast(F, lanes[sc + 0]), p0);
                p1 = w1b.fma(FloatVector.fromArray(F, xq, x0 + c + 40), w1a.mul(FloatVector.fromArray(F, xq, x0 + c + 32)))
                        .fma(FloatVector.broadcast(F, lanes[sc + 2]), p1);
                p2 = w2b.fma(FloatVector.fromArray(F, xq, x0 + c + 72), w2a.mul(FloatVector.fromArray(F, xq, x0 + c + 64)))
                        .fma(FloatVector.broadcast(F, lanes[sc + 4]), p2);
                p3 = w3b.fma(FloatVector.fromArray(F, xq, x0 + c + 104), w3a.mul(FloatVector.fromArray(F, xq, x0 + c + 96)))
                        .fma(FloatVector.broadcast(F, lanes[sc + 6]), p3);
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
        float[] xq = a.values;
        float[] xd = a.scales;
        int x0 = t0 * cols, x1 = t1 * cols, x2 = t2 * cols, x3 = t3 * cols;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 210, x0 += 256, x1 += 256, x2 += 256, x3 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off + 208));
            KScales.q6k(w, off + 192, lanes, SCALES);
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = FloatVector.zero(F);
            FloatVector p2 = FloatVector.zero(F);
            FloatVector p3 = FloatVector.zero(F);
            for (int it = 0; it < 8; it++) {
                int h = it >> 2;
                int k = it & 3;
                long ql = off + 64 * h + 8 * k;
                ByteVector lo = ByteVector.fromMemorySegment(B8, w, ql, LE);
                ByteVector lo32 = ByteVector.fromMemorySegment(B8, w, ql + 32, LE);
                IntVector hi = ByteVector.fromMemorySegment(B8, w, off + 128 + 32 * h + 8 * k, LE).reinterpretAsInts();
                int sc = SCALES + 8 * h + (k >> 1);
                FloatVector w0 = ((FloatVector) lo.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30))
                        .sub((byte) 32).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.broadcast(F, lanes[sc]));
                FloatVector w1 = ((FloatVector) lo32.and((byte) 15).or(hi.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30))
                        .sub((byte) 32).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.broadcast(F, lanes[sc + 2]));
                FloatVector w2 = ((FloatVector) lo.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hi.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32).convertShape(VectorOperators.B2F, F, 0))
                        .mul(FloatVector.broadcast(F, lanes[sc + 4]));
                FloatVector w3 = ((FloatVector) lo32.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                        .or(hi.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.broadcast(F, lanes[sc + 6]));
                int c = 128 * h + 8 * k;
                p0 = p0.add(w3.fma(FloatVector.fromArray(F, xq, x0 + c + 96), w2.fma(FloatVector.fromArray(F, xq, x0 + c + 64),
                        w1.fma(FloatVector.fromArray(F, xq, x0 + c + 32), w0.mul(FloatVector.fromArray(F, xq, x0 + c))))));
                p1 = p1.add(w3.fma(FloatVector.fromArray(F, xq, x1 + c + 96), w2.fma(FloatVector.fromArray(F, xq, x1 + c + 64),
                        w1.fma(FloatVector.fromArray(F, xq, x1 + c + 32), w0.mul(FloatVector.fromArray(F, xq, x1 + c))))));
                p2 = p2.add(w3.fma(FloatVector.fromArray(F, xq, x2 + c + 96), w2.fma(FloatVector.fromArray(F, xq, x2 + c + 64),
                        w1.fma(FloatVector.fromArray(F, xq, x2 + c + 32), w0.mul(FloatVector.fromArray(F, xq, x2 + c))))));
                p3 = p3.add(w3.fma(FloatVector.fromArray(F, xq, x3 + c + 96), w2.fma(FloatVector.fromArray(F, xq, x3 + c + 64),
                        w1.fma(FloatVector.fromArray(F, xq, x3 + c + 32), w0.mul(FloatVector.fromArray(F, xq, x3 + c))))));
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
