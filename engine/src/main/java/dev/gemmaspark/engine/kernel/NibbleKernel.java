package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The 32-element formats with 4-bit values plus an optional 5th bit and an optional min: Q5_0 against Q8_0
 * activations, Q4_1 and Q5_1 against Q8_1 (ggml_vec_dot_q5_0_q8_0, _q4_1_q8_1, _q5_1_q8_1). Per block, the
 * integer sum of (value - zero)*q8 is exact in float lanes and is scaled by d_w*d_x; Q4_1/Q5_1 add m_w*s_x,
 * summed apart like llama.cpp's {@code summs}.
 */
final class NibbleKernel extends TiledKernel {
    /** Lane i holds bit i: selects, from 16 bits of qh broadcast to every lane, the fifth bit of element i. */
    private static final ShortVector LANE_BITS = ShortVector.fromArray(S16,
            new short[] {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, (short) 32768}, 0);

    private final int blockBytes;
    private final int qsOffset;
    /** Offset of the 32 fifth bits, or -1 for Q4_1, which has none. */
    private final int qhOffset;
    private final boolean hasMin;
    /** Subtracted from every 4/5-bit value: 16 for Q5_0, 0 for the formats with a min. */
    private final short zero;

    private NibbleKernel(Activations.Format format, int blockBytes, int qsOffset, int qhOffset, boolean hasMin, int zero) {
        super(format);
        this.blockBytes = blockBytes;
        this.qsOffset = qsOffset;
        this.qhOffset = qhOffset;
        this.hasMin = hasMin;
        this.zero = (short) zero;
    }

    static NibbleKernel q5_0() {
        return new NibbleKernel(Activations.Format.Q8_0, 22, 6, 2, false, 16);
    }

    static NibbleKernel q4_1() {
        return new NibbleKernel(Activations.Format.Q8_1, 20, 4, -1, true, 0);
    }

    static NibbleKernel q5_1() {
        return new NibbleKernel(Activations.Format.Q8_1, 24, 8, 4, true, 0);
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
        float e0 = 0;
        for (int b = 0; b < blocks; b++, off += blockBytes, x0 += 32) {
            int qh = qhOffset >= 0 ? w.get(LittleEndian.I32, off + qhOffset) : 0;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, off + qsOffset, LE);
            ShortVector wl = ((ShortVector) q.and((byte) 15).convertShape(VectorOperators.B2S, S16, 0))
                    .or(ShortVector.broadcast(S16, (short) qh).and(LANE_BITS).compare(VectorOperators.NE, 0).toVector().reinterpretAsShorts()
                            .and((short) 16)).sub(zero);
            ShortVector wh = ((ShortVector) q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                    .convertShape(VectorOperators.B2S, S16, 0))
                    .or(ShortVector.broadcast(S16, (short) (qh >>> 16)).and(LANE_BITS).compare(VectorOperators.NE, 0).toVector().reinterpretAsShorts()
                            .and((short) 16)).sub(zero);
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off));
            float mw = hasMin ? Float.float16ToFloat(w.get(LittleEndian.I16, off + 2)) : 0f;
            IntVector p0 = wl.mul(ShortVector.fromArray(S16, xq, x0)).add(wh.mul(ShortVector.fromArray(S16, xq, x0 + 16))).reinterpretAsInts();
            acc0 = ((FloatVector) p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(p0.lanewise(VectorOperators.ASHR, 16))
                    .convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, dw * xd[d0 + b]), acc0);
            if (hasMin) {
                e0 += mw * xs[d0 + b];
            }
        }
        acc0.intoArray(lanes, 0);
        lanes[EXTRA] = e0;
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
        float e0 = 0, e1 = 0, e2 = 0, e3 = 0;
        for (int b = 0; b < blocks; b++, off += blockBytes, x0 += 32, x1 += 32, x2 += 32, x3 += 32) {
            int qh = qhOffset >= 0 ? w.get(LittleEndian.I32, off + qhOffset) : 0;
            ByteVector q = ByteVector.fromMemorySegment(B16, w, off + qsOffset, LE);
            ShortVector wl = ((ShortVector) q.and((byte) 15).convertShape(VectorOperators.B2S, S16, 0))
                    .or(ShortVector.broadcast(S16, (short) qh).and(LANE_BITS).compare(VectorOperators.NE, 0).toVector().reinterpretAsShorts()
                            .and((short) 16)).sub(zero);
            ShortVector wh = ((ShortVector) q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15)
                    .convertShape(VectorOperators.B2S, S16, 0))
                    .or(ShortVector.broadcast(S16, (short) (qh >>> 16)).and(LANE_BITS).compare(VectorOperators.NE, 0).toVector().reinterpretAsShorts()
                            .and((short) 16)).sub(zero);
            float dw = Float.float16ToFloat(w.get(LittleEndian.I16, off));
            float mw = hasMin ? Float.float16ToFloat(w.get(LittleEndian.I16, off + 2)) : 0f;
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
            if (hasMin) {
                e0 += mw * xs[d0 + b];
                e1 += mw * xs[d1 + b];
                e2 += mw * xs[d2 + b];
                e3 += mw * xs[d3 + b];
            }
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, 8);
        acc2.intoArray(lanes, 16);
        acc3.intoArray(lanes, 24);
        lanes[EXTRA] = e0;
        lanes[EXTRA + 1] = e1;
        lanes[EXTRA + 2] = e2;
        lanes[EXTRA + 3] = e3;
    }
}
