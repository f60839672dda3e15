package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K weights in the {@link InterleavedQ6_K} layout against Q8_K activations (ggml_vec_dot_q6_K_q8_K, a group of
 * rows at a time).
 * Per group of 16 columns, the signed values q - 32 times the activations are summed in 16-bit lanes (eight
 * products of at most 32 x 127 per lane, 32512, exact: Q8_K activations are within +-127), each lane pair into
 * row i's 32-bit lane, which gives the exact integer sum of (q - 32) x q8, and that times the row's group scale
 * is added up over the super-block in 32-bit integers, as llama.cpp does. Lane i then takes d_w[i] x d_x times
 * the super-block's sum into row i's f32 accumulator.
 */
final class InterleavedQ6_KKernel extends InterleavedKernel {

    InterleavedQ6_KKernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    long groupBytes(int cols) {
        return InterleavedQ6_K.LAYOUT.groupBytes(cols);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.pairs;
        float[] xd = a.scales;
        int p0 = t * (a.cols >> 1);
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(FR);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * InterleavedQ6_K.GROUP_BLOCK_BYTES;
            IntVector sum0 = IntVector.zero(IR);
            for (int j = 0; j < 16; j++) {
                int q0 = p0 + 128 * b + 8 * j;
                long v = o + InterleavedQ6_K.VALUES + InterleavedQ6_K.GROUP_BYTES * j;
                // The high bits of step c, moved to bits 4-5 one step at a time.
                ShortVector h0 = ((ShortVector) ByteVector.fromMemorySegment(BC, w, v + 4 * CHUNK, LE).convertShape(VectorOperators.B2S, SR, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector h1 = ((ShortVector) ByteVector.fromMemorySegment(BC, w, v + 5 * CHUNK, LE).convertShape(VectorOperators.B2S, SR, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector l0 = ShortVector.zero(SR);
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BC, w, v + CHUNK * c, LE).convertShape(VectorOperators.B2S, SR, 0);
                    ShortVector lo = q.and((short) 15).or(h0.and((short) 0x30)).sub((short) 32);
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15).or(h1.and((short) 0x30)).sub((short) 32);
                    h0 = h0.lanewise(VectorOperators.ASHR, 2);
                    h1 = h1.lanewise(VectorOperators.ASHR, 2);
                    l0 = l0.add(lo.mul(IntVector.broadcast(IR, xp[q0 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q0 + c + 4]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ6_K.SCALES + ROWS * j, LE)
                        .convertShape(VectorOperators.B2I, IR, 0);
                IntVector a0 = l0.reinterpretAsInts();
                sum0 = sum0.add(a0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            // fp16 to f32 in integers, as in InterleavedQ4_0Kernel.
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d0 + b]), acc0);
        }
        acc0.intoArray(lanes, 0);
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.pairs;
        float[] xd = a.scales;
        int half = a.cols >> 1;
        int p0 = t0 * half, p1 = t1 * half, p2 = t2 * half, p3 = t3 * half;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(FR), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * InterleavedQ6_K.GROUP_BLOCK_BYTES;
            IntVector sum0 = IntVector.zero(IR), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int j = 0; j < 16; j++) {
                int q0 = p0 + 128 * b + 8 * j, q1 = p1 + 128 * b + 8 * j, q2 = p2 + 128 * b + 8 * j, q3 = p3 + 128 * b + 8 * j;
                long v = o + InterleavedQ6_K.VALUES + InterleavedQ6_K.GROUP_BYTES * j;
                ShortVector h0 = ((ShortVector) ByteVector.fromMemorySegment(BC, w, v + 4 * CHUNK, LE).convertShape(VectorOperators.B2S, SR, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector h1 = ((ShortVector) ByteVector.fromMemorySegment(BC, w, v + 5 * CHUNK, LE).convertShape(VectorOperators.B2S, SR, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector l0 = ShortVector.zero(SR), l1 = l0, l2 = l0, l3 = l0;
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BC, w, v + CHUNK * c, LE).convertShape(VectorOperators.B2S, SR, 0);
                    ShortVector lo = q.and((short) 15).or(h0.and((short) 0x30)).sub((short) 32);
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15).or(h1.and((short) 0x30)).sub((short) 32);
                    h0 = h0.lanewise(VectorOperators.ASHR, 2);
                    h1 = h1.lanewise(VectorOperators.ASHR, 2);
                    l0 = l0.add(lo.mul(IntVector.broadcast(IR, xp[q0 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q0 + c + 4]).reinterpretAsShorts()));
                    l1 = l1.add(lo.mul(IntVector.broadcast(IR, xp[q1 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q1 + c + 4]).reinterpretAsShorts()));
                    l2 = l2.add(lo.mul(IntVector.broadcast(IR, xp[q2 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q2 + c + 4]).reinterpretAsShorts()));
                    l3 = l3.add(lo.mul(IntVector.broadcast(IR, xp[q3 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q3 + c + 4]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ6_K.SCALES + ROWS * j, LE)
                        .convertShape(VectorOperators.B2I, IR, 0);
                IntVector a0 = l0.reinterpretAsInts();
                sum0 = sum0.add(a0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a1 = l1.reinterpretAsInts();
                sum1 = sum1.add(a1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a1.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a2 = l2.reinterpretAsInts();
                sum2 = sum2.add(a2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a2.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a3 = l3.reinterpretAsInts();
                sum3 = sum3.add(a3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a3.lanewise(VectorOperators.ASHR, 16)).mul(sc));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d0 + b]), acc0);
            acc1 = ((FloatVector) sum1.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d1 + b]), acc1);
            acc2 = ((FloatVector) sum2.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d2 + b]), acc2);
            acc3 = ((FloatVector) sum3.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d3 + b]), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, ROWS);
        acc2.intoArray(lanes, 2 * ROWS);
        acc3.intoArray(lanes, 3 * ROWS);
    }

    @Override
    void dot8(MemorySegment w, long off, Activations a, int t0, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.tilePairs;
        float[] xd = a.tileScales;
        int p = t0 * (a.cols >> 1);
        int d = t0 * blocks;
        FloatVector acc0 = FloatVector.zero(FR), acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
        for (int b = 0; b < blocks; b++, d += 8) {
            long o = off + (long) b * InterleavedQ6_K.GROUP_BLOCK_BYTES;
            IntVector sum0 = IntVector.zero(IR), sum1 = sum0, sum2 = sum0, sum3 = sum0, sum4 = sum0, sum5 = sum0, sum6 = sum0, sum7 = sum0;
            for (int j = 0; j < 16; j++) {
                int q = p + 8 * (128 * b + 8 * j);
                long v = o + InterleavedQ6_K.VALUES + InterleavedQ6_K.GROUP_BYTES * j;
                ShortVector h0 = ((ShortVector) ByteVector.fromMemorySegment(BC, w, v + 4 * CHUNK, LE).convertShape(VectorOperators.B2S, SR, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector h1 = ((ShortVector) ByteVector.fromMemorySegment(BC, w, v + 5 * CHUNK, LE).convertShape(VectorOperators.B2S, SR, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector l0 = ShortVector.zero(SR), l1 = l0, l2 = l0, l3 = l0, l4 = l0, l5 = l0, l6 = l0, l7 = l0;
                for (int c = 0; c < 4; c++) {
                    ShortVector u = (ShortVector) ByteVector.fromMemorySegment(BC, w, v + CHUNK * c, LE).convertShape(VectorOperators.B2S, SR, 0);
                    int i = q + 8 * c;
                    ShortVector lo = u.and((short) 15).or(h0.and((short) 0x30)).sub((short) 32);
                    ShortVector hi = u.lanewise(VectorOperators.ASHR, 4).and((short) 15).or(h1.and((short) 0x30)).sub((short) 32);
                    h0 = h0.lanewise(VectorOperators.ASHR, 2);
                    h1 = h1.lanewise(VectorOperators.ASHR, 2);
                    l0 = l0.add(lo.mul(IntVector.broadcast(IR, xp[i]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 32]).reinterpretAsShorts()));
                    l1 = l1.add(lo.mul(IntVector.broadcast(IR, xp[i + 1]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 33]).reinterpretAsShorts()));
                    l2 = l2.add(lo.mul(IntVector.broadcast(IR, xp[i + 2]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 34]).reinterpretAsShorts()));
                    l3 = l3.add(lo.mul(IntVector.broadcast(IR, xp[i + 3]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 35]).reinterpretAsShorts()));
                    l4 = l4.add(lo.mul(IntVector.broadcast(IR, xp[i + 4]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 36]).reinterpretAsShorts()));
                    l5 = l5.add(lo.mul(IntVector.broadcast(IR, xp[i + 5]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 37]).reinterpretAsShorts()));
                    l6 = l6.add(lo.mul(IntVector.broadcast(IR, xp[i + 6]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 38]).reinterpretAsShorts()));
                    l7 = l7.add(lo.mul(IntVector.broadcast(IR, xp[i + 7]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 39]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ6_K.SCALES + ROWS * j, LE)
                        .convertShape(VectorOperators.B2I, IR, 0);
                IntVector a0 = l0.reinterpretAsInts();
                sum0 = sum0.add(a0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a1 = l1.reinterpretAsInts();
                sum1 = sum1.add(a1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a1.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a2 = l2.reinterpretAsInts();
                sum2 = sum2.add(a2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a2.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a3 = l3.reinterpretAsInts();
                sum3 = sum3.add(a3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a3.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a4 = l4.reinterpretAsInts();
                sum4 = sum4.add(a4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a4.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a5 = l5.reinterpretAsInts();
                sum5 = sum5.add(a5.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a5.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a6 = l6.reinterpretAsInts();
                sum6 = sum6.add(a6.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a6.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector a7 = l7.reinterpretAsInts();
                sum7 = sum7.add(a7.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a7.lanewise(VectorOperators.ASHR, 16)).mul(sc));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d]), acc0);
            acc1 = ((FloatVector) sum1.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 1]), acc1);
            acc2 = ((FloatVector) sum2.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 2]), acc2);
            acc3 = ((FloatVector) sum3.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 3]), acc3);
            acc4 = ((FloatVector) sum4.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 4]), acc4);
            acc5 = ((FloatVector) sum5.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 5]), acc5);
            acc6 = ((FloatVector) sum6.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 6]), acc6);
            acc7 = ((FloatVector) sum7.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 7]), acc7);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, 1 * ROWS);
        acc2.intoArray(lanes, 2 * ROWS);
        acc3.intoArray(lanes, 3 * ROWS);
        acc4.intoArray(lanes, 4 * ROWS);
        acc5.intoArray(lanes, 5 * ROWS);
        acc6.intoArray(lanes, 6 * ROWS);
        acc7.intoArray(lanes, 7 * ROWS);
    }
}
