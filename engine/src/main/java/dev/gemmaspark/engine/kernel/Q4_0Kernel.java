package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 weights against Q8_0 activations (ggml_vec_dot_q4_0_q8_0): per block of 32, the integer sum of
 * (nibble-8)*q8, exact in 16- and 32-bit lanes, times d_w*d_x, accumulated in f32.
 */
final class Q4_0Kernel extends TiledKernel {
    Q4_0Kernel() {
        super(Activations.Format.Q8_0);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 5;
        short[] xq = a.shorts;
        float[] xd = a.scales;
        float[] xs = a.sums;
        int x0 = t * cols;
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, off += 18, x0 += 32) {
            ByteVector q = ByteVector.fromMemorySegment(B16, w, off + 2, LE);
            ShortVector wl = (ShortVector) q.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector wh = (ShortVector) q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                    .sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off));
            IntVector p0 = wl.mul(ShortVector.fromArray(S16, xq, x0)).add(wh.mul(ShortVector.fromArray(S16, xq, x0 + 16))).reinterpretAsInts();
            acc0 = ((FloatVector) p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p0.lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, dw * xd[d0 + b]), acc0);
        }
        acc0.intoArray(lanes, 0);
        lanes[EXTRA] = 0;
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int cols = a.cols;
        int blocks = cols >> 5;
        short[] xq = a.shorts;
        float[] xd = a.scales;
        float[] xs = a.sums;
        int x0 = t0 * cols, x1 = t1 * cols, x2 = t2 * cols, x3 = t3 * cols;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, off += 18, x0 += 32, x1 += 32, x2 += 32, x3 += 32) {
            ByteVector q = ByteVector.fromMemorySegment(B16, w, off + 2, LE);
            ShortVector wl = (ShortVector) q.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            ShortVector wh = (ShortVector) q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                    .sub((byte) 8).convertShape(VectorOperators.B2S, S16, 0);
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off));
            IntVector p0 = wl.mul(ShortVector.fromArray(S16, xq, x0)).add(wh.mul(ShortVector.fromArray(S16, xq, x0 + 16))).reinterpretAsInts();
            acc0 = ((FloatVector) p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p0.lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, dw * xd[d0 + b]), acc0);
            IntVector p1 = wl.mul(ShortVector.fromArray(S16, xq, x1)).add(wh.mul(ShortVector.fromArray(S16, xq, x1 + 16))).reinterpretAsInts();
            acc1 = ((FloatVector) p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p1.lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, dw * xd[d1 + b]), acc1);
            IntVector p2 = wl.mul(ShortVector.fromArray(S16, xq, x2)).add(wh.mul(ShortVector.fromArray(S16, xq, x2 + 16))).reinterpretAsInts();
            acc2 = ((FloatVector) p2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p2.lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, dw * xd[d2 + b]), acc2);
            IntVector p3 = wl.mul(ShortVector.fromArray(S16, xq, x3)).add(wh.mul(ShortVector.fromArray(S16, xq, x3 + 16))).reinterpretAsInts();
            acc3 = ((FloatVector) p3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p3.lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, dw * xd[d3 + b]), acc3);
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
