package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.KScales;
import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q2_K weights against Q8_K activations (ggml_vec_dot_q2_K_q8_K): per super-block, d_w*d_x times the exact
 * integer sum over the 16 groups of 16 of (sc&15)*(sum of q2*q8), minus dmin_w*d_x times the integer sum of
 * (sc>>4)*(the group's Q8_K 16-sum), both exact integers scaled in f32.
 */
final class Q2KKernel extends TiledKernel {
    Q2KKernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 8;
        float[] xq = a.values;
        float[] xd = a.scales;
        float[] bs = a.bsums16;
        int x0 = t * cols;
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 84, x0 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off + 80));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.I16, off + 82));
            KScales.q2k(w, off, lanes, SCALES);
            FloatVector mins0 = FloatVector.fromArray(F, lanes, SCALES + 16);
            FloatVector mins1 = FloatVector.fromArray(F, lanes, SCALES + 24);
            FloatVector p0 = FloatVector.zero(F);
            FloatVector q0 = FloatVector.zero(F);
            for (int g = 0; g < 16; g += 2) {
                {
                    int gi = g;
                    // Group gi = scale index: half h = g>>3, shift j = (g>>1)&3, 16-byte part i = g&1.
                    int h = gi >> 3;
                    int j = (gi >> 1) & 3;
                    long qs = off + 16 + 32 * h + 16 * (gi & 1);
                    FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B8, w, qs, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, 2 * j).reinterpretAsBytes().and((byte) 3).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B8, w, qs + 8, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, 2 * j).reinterpretAsBytes().and((byte) 3).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector scale = FloatVector.broadcast(F, lanes[SCALES + gi]);
                    int c = 128 * h + 32 * j + 16 * (gi & 1);
                    p0 = w1.fma(FloatVector.fromArray(F, xq, x0 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x0 + c)))
                            .fma(scale, p0);
                }
                {
                    int gi = g + 1;
                    // Group gi = scale index: half h = g>>3, shift j = (g>>1)&3, 16-byte part i = g&1.
                    int h = gi >> 3;
                    int j = (gi >> 1) & 3;
                    long qs = off + 16 + 32 * h + 16 * (gi & 1);
                    FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B8, w, qs, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, 2 * j).reinterpretAsBytes().and((byte) 3).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B8, w, qs + 8, LE).reinterpretAsInts()
                            .lanewise(VectorOperators.LSHR, 2 * j).reinterpretAsBytes().and((byte) 3).convertShape(VectorOperators.B2F, F, 0);
                    FloatVector scale = FloatVector.broadcast(F, lanes[SCALES + gi]);
                    int c = 128 * h + 32 * j + 16 * (gi & 1);
                    q0 = w1.fma(FloatVector.fromArray(F, xq, x0 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x0 + c)))
                            .fma(scale, q0);
                }
            }
            p0 = p0.add(q0);
            acc0 = p0.fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
            acc0 = mins0.mul(FloatVector.fromArray(F, bs, 16 * (d0 + sb))).add(mins1.mul(FloatVector.fromArray(F, bs, 16 * (d0 + sb) + 8)))
                    .fma(FloatVector.broadcast(F, -xd[d0 + sb] * dmin), acc0);
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
        float[] bs = a.bsums16;
        int x0 = t0 * cols, x1 = t1 * cols, x2 = t2 * cols, x3 = t3 * cols;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F), acc3 = FloatVector.zero(F);
        for (int sb = 0; sb < blocks; sb++, off += 84, x0 += 256, x1 += 256, x2 += 256, x3 += 256) {
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off + 80));
            float dmin = Float.float16ToFloat(w.get(LittleEndian.I16, off + 82));
            KScales.q2k(w, off, lanes, SCALES);
            FloatVector mins0 = FloatVector.fromArray(F, lanes, SCALES + 16);
            FloatVector mins1 = FloatVector.fromArray(F, lanes, SCALES + 24);
            FloatVector p0 = FloatVector.zero(F);
            FloatVector p1 = FloatVector.zero(F);
            FloatVector p2 = FloatVector.zero(F);
            FloatVector p3 = FloatVector.zero(F);
            for (int gi = 0; gi < 16; gi++) {
                // Group gi = scale index: half h = g>>3, shift j = (g>>1)&3, 16-byte part i = g&1.
                int h = gi >> 3;
                int j = (gi >> 1) & 3;
                long qs = off + 16 + 32 * h + 16 * (gi & 1);
                FloatVector w0 = (FloatVector) ByteVector.fromMemorySegment(B8, w, qs, LE).reinterpretAsInts()
                        .lanewise(VectorOperators.LSHR, 2 * j).reinterpretAsBytes().and((byte) 3).convertShape(VectorOperators.B2F, F, 0);
                FloatVector w1 = (FloatVector) ByteVector.fromMemorySegment(B8, w, qs + 8, LE).reinterpretAsInts()
                        .lanewise(VectorOperators.LSHR, 2 * j).reinterpretAsBytes().and((byte) 3).convertShape(VectorOperators.B2F, F, 0);
                FloatVector scale = FloatVector.broadcast(F, lanes[SCALES + gi]);
                int c = 128 * h + 32 * j + 16 * (gi & 1);
                p0 = w1.fma(FloatVector.fromArray(F, xq, x0 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x0 + c)))
                        .fma(scale, p0);
                p1 = w1.fma(FloatVector.fromArray(F, xq, x1 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x1 + c)))
                        .fma(scale, p1);
                p2 = w1.fma(FloatVector.fromArray(F, xq, x2 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x2 + c)))
                        .fma(scale, p2);
                p3 = w1.fma(FloatVector.fromArray(F, xq, x3 + c + 8), w0.mul(FloatVector.fromArray(F, xq, x3 + c)))
                        .fma(scale, p3);
            }
            acc0 = p0.fma(FloatVector.broadcast(F, dw * xd[d0 + sb]), acc0);
            acc1 = p1.fma(FloatVector.broadcast(F, dw * xd[d1 + sb]), acc1);
            acc2 = p2.fma(FloatVector.broadcast(F, dw * xd[d2 + sb]), acc2);
            acc3 = p3.fma(FloatVector.broadcast(F, dw * xd[d3 + sb]), acc3);
            acc0 = mins0.mul(FloatVector.fromArray(F, bs, 16 * (d0 + sb))).add(mins1.mul(FloatVector.fromArray(F, bs, 16 * (d0 + sb) + 8)))
                    .fma(FloatVector.broadcast(F, -xd[d0 + sb] * dmin), acc0);
            acc1 = mins0.mul(FloatVector.fromArray(F, bs, 16 * (d1 + sb))).add(mins1.mul(FloatVector.fromArray(F, bs, 16 * (d1 + sb) + 8)))
                    .fma(FloatVector.broadcast(F, -xd[d1 + sb] * dmin), acc1);
            acc2 = mins0.mul(FloatVector.fromArray(F, bs, 16 * (d2 + sb))).add(mins1.mul(FloatVector.fromArray(F, bs, 16 * (d2 + sb) + 8)))
                    .fma(FloatVector.broadcast(F, -xd[d2 + sb] * dmin), acc2);
            acc3 = mins0.mul(FloatVector.fromArray(F, bs, 16 * (d3 + sb))).add(mins1.mul(FloatVector.fromArray(F, bs, 16 * (d3 + sb) + 8)))
                    .fma(FloatVector.broadcast(F, -xd[d3 + sb] * dmin), acc3);
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
