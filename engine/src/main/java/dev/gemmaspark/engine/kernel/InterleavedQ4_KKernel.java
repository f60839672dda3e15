package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K weights in the {@link InterleavedQ4_K} layout against Q8_K activations (ggml_vec_dot_q4_K_q8_K, a group of
 * rows at a time). Per sub-block of 32 columns, the nibbles times the activations are summed in 16-bit lanes as in
 * {@link InterleavedQ4_0Kernel} (at most 16 x 15 x 128 per lane, exact), each lane pair into row i's 32-bit lane,
 * and that times the row's sub-block scale is added up over the super-block in 32-bit integers, as are the mins times the
 * sub-blocks' sums of activations; lane i then takes d_w[i] x d_x times the first and -dmin_w[i] x d_x times the
 * second into row i's f32 accumulator.
 */
final class InterleavedQ4_KKernel extends InterleavedKernel {

    InterleavedQ4_KKernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    long groupBytes(int cols) {
        return InterleavedQ4_K.LAYOUT.groupBytes(cols);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.pairs;
        int[] xs = a.qsums;
        float[] xd = a.scales;
        int p0 = t * (a.cols >> 1);
        int b0 = t * (a.cols >> 5);
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(FR);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * InterleavedQ4_K.GROUP_BLOCK_BYTES;
            IntVector sum0 = IntVector.zero(IR);
            IntVector min0 = sum0;
            for (int j = 0; j < 8; j++) {
                int q0 = p0 + 128 * b + 16 * j, e0 = b0 + 8 * b + j;
                long v = o + InterleavedQ4_K.VALUES + InterleavedQ4_K.SUB_BLOCK * j;
                ShortVector s0 = ShortVector.zero(SR);
                for (int c = 0; c < 8; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BC, w, v + CHUNK * c, LE).convertShape(VectorOperators.B2S, SR, 0);
                    ShortVector lo = q.and((short) 15);
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15);
                    s0 = s0.add(lo.mul(IntVector.broadcast(IR, xp[q0 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q0 + c + 8]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ4_K.SCALES + ROWS * j, LE).convertShape(VectorOperators.B2I, IR, 0);
                IntVector m = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ4_K.MINS + ROWS * j, LE).convertShape(VectorOperators.B2I, IR, 0);
                IntVector i0 = s0.reinterpretAsInts();
                sum0 = sum0.add(i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min0 = min0.add(m.mul(xs[e0]));
            }
            // fp16 to f32 in integers, as in InterleavedQ4_0Kernel.
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            h = (IntVector) ShortVector.fromMemorySegment(HR, w, o + InterleavedQ4_K.DMIN, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dmin = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d0 + b]), acc0);
            acc0 = ((FloatVector) min0.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d0 + b]), acc0);
        }
        acc0.intoArray(lanes, 0);
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.pairs;
        int[] xs = a.qsums;
        float[] xd = a.scales;
        int half = a.cols >> 1;
        int sums = a.cols >> 5;
        int p0 = t0 * half, p1 = t1 * half, p2 = t2 * half, p3 = t3 * half;
        int b0 = t0 * sums, b1 = t1 * sums, b2 = t2 * sums, b3 = t3 * sums;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(FR), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * InterleavedQ4_K.GROUP_BLOCK_BYTES;
            IntVector sum0 = IntVector.zero(IR), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            IntVector min0 = sum0, min1 = sum0, min2 = sum0, min3 = sum0;
            for (int j = 0; j < 8; j++) {
                int q0 = p0 + 128 * b + 16 * j, q1 = p1 + 128 * b + 16 * j, q2 = p2 + 128 * b + 16 * j, q3 = p3 + 128 * b + 16 * j;
                int e0 = b0 + 8 * b + j, e1 = b1 + 8 * b + j, e2 = b2 + 8 * b + j, e3 = b3 + 8 * b + j;
                long v = o + InterleavedQ4_K.VALUES + InterleavedQ4_K.SUB_BLOCK * j;
                ShortVector s0 = ShortVector.zero(SR), s1 = s0, s2 = s0, s3 = s0;
                for (int c = 0; c < 8; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BC, w, v + CHUNK * c, LE).convertShape(VectorOperators.B2S, SR, 0);
                    ShortVector lo = q.and((short) 15);
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15);
                    s0 = s0.add(lo.mul(IntVector.broadcast(IR, xp[q0 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q0 + c + 8]).reinterpretAsShorts()));
                    s1 = s1.add(lo.mul(IntVector.broadcast(IR, xp[q1 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q1 + c + 8]).reinterpretAsShorts()));
                    s2 = s2.add(lo.mul(IntVector.broadcast(IR, xp[q2 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q2 + c + 8]).reinterpretAsShorts()));
                    s3 = s3.add(lo.mul(IntVector.broadcast(IR, xp[q3 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[q3 + c + 8]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ4_K.SCALES + ROWS * j, LE).convertShape(VectorOperators.B2I, IR, 0);
                IntVector m = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ4_K.MINS + ROWS * j, LE).convertShape(VectorOperators.B2I, IR, 0);
                IntVector i0 = s0.reinterpretAsInts();
                sum0 = sum0.add(i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min0 = min0.add(m.mul(xs[e0]));
                IntVector i1 = s1.reinterpretAsInts();
                sum1 = sum1.add(i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i1.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min1 = min1.add(m.mul(xs[e1]));
                IntVector i2 = s2.reinterpretAsInts();
                sum2 = sum2.add(i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i2.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min2 = min2.add(m.mul(xs[e2]));
                IntVector i3 = s3.reinterpretAsInts();
                sum3 = sum3.add(i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i3.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min3 = min3.add(m.mul(xs[e3]));
            }
            // fp16 to f32 in integers, as in InterleavedQ4_0Kernel.
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            h = (IntVector) ShortVector.fromMemorySegment(HR, w, o + InterleavedQ4_K.DMIN, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dmin = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d0 + b]), acc0);
            acc0 = ((FloatVector) min0.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d0 + b]), acc0);
            acc1 = ((FloatVector) sum1.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d1 + b]), acc1);
            acc1 = ((FloatVector) min1.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d1 + b]), acc1);
            acc2 = ((FloatVector) sum2.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d2 + b]), acc2);
            acc2 = ((FloatVector) min2.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d2 + b]), acc2);
            acc3 = ((FloatVector) sum3.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d3 + b]), acc3);
            acc3 = ((FloatVector) min3.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d3 + b]), acc3);
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
        int[] xs = a.tileQsums;
        float[] xd = a.tileScales;
        int p = t0 * (a.cols >> 1);
        int e = t0 * (a.cols >> 5);
        int d = t0 * blocks;
        FloatVector acc0 = FloatVector.zero(FR), acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
        for (int b = 0; b < blocks; b++, d += 8) {
            long o = off + (long) b * InterleavedQ4_K.GROUP_BLOCK_BYTES;
            IntVector sum0 = IntVector.zero(IR), sum1 = sum0, sum2 = sum0, sum3 = sum0, sum4 = sum0, sum5 = sum0, sum6 = sum0, sum7 = sum0;
            for (int j = 0; j < 8; j++) {
                int q = p + 8 * (128 * b + 16 * j);
                long v = o + InterleavedQ4_K.VALUES + InterleavedQ4_K.SUB_BLOCK * j;
                ShortVector s0 = ShortVector.zero(SR), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
                for (int c = 0; c < 8; c++) {
                    ShortVector u = (ShortVector) ByteVector.fromMemorySegment(BC, w, v + CHUNK * c, LE).convertShape(VectorOperators.B2S, SR, 0);
                    ShortVector lo = u.and((short) 15);
                    ShortVector hi = u.lanewise(VectorOperators.ASHR, 4).and((short) 15);
                    int i = q + 8 * c;
                    s0 = s0.add(lo.mul(IntVector.broadcast(IR, xp[i]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 64]).reinterpretAsShorts()));
                    s1 = s1.add(lo.mul(IntVector.broadcast(IR, xp[i + 1]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 65]).reinterpretAsShorts()));
                    s2 = s2.add(lo.mul(IntVector.broadcast(IR, xp[i + 2]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 66]).reinterpretAsShorts()));
                    s3 = s3.add(lo.mul(IntVector.broadcast(IR, xp[i + 3]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 67]).reinterpretAsShorts()));
                    s4 = s4.add(lo.mul(IntVector.broadcast(IR, xp[i + 4]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 68]).reinterpretAsShorts()));
                    s5 = s5.add(lo.mul(IntVector.broadcast(IR, xp[i + 5]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 69]).reinterpretAsShorts()));
                    s6 = s6.add(lo.mul(IntVector.broadcast(IR, xp[i + 6]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 70]).reinterpretAsShorts()));
                    s7 = s7.add(lo.mul(IntVector.broadcast(IR, xp[i + 7]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(IR, xp[i + 71]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ4_K.SCALES + ROWS * j, LE).convertShape(VectorOperators.B2I, IR, 0);
                IntVector i0 = s0.reinterpretAsInts();
                sum0 = sum0.add(i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector i1 = s1.reinterpretAsInts();
                sum1 = sum1.add(i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i1.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector i2 = s2.reinterpretAsInts();
                sum2 = sum2.add(i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i2.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector i3 = s3.reinterpretAsInts();
                sum3 = sum3.add(i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i3.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector i4 = s4.reinterpretAsInts();
                sum4 = sum4.add(i4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i4.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector i5 = s5.reinterpretAsInts();
                sum5 = sum5.add(i5.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i5.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector i6 = s6.reinterpretAsInts();
                sum6 = sum6.add(i6.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i6.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                IntVector i7 = s7.reinterpretAsInts();
                sum7 = sum7.add(i7.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i7.lanewise(VectorOperators.ASHR, 16)).mul(sc));
            }
            // The mins after the values, not beside them: eight more accumulators in the loop above would not fit in
            // the registers.
            IntVector min0 = IntVector.zero(IR), min1 = min0, min2 = min0, min3 = min0, min4 = min0, min5 = min0, min6 = min0, min7 = min0;
            for (int j = 0; j < 8; j++, e += 8) {
                IntVector m = (IntVector) ByteVector.fromMemorySegment(BR, w, o + InterleavedQ4_K.MINS + ROWS * j, LE).convertShape(VectorOperators.B2I, IR, 0);
                min0 = min0.add(m.mul(xs[e]));
                min1 = min1.add(m.mul(xs[e + 1]));
                min2 = min2.add(m.mul(xs[e + 2]));
                min3 = min3.add(m.mul(xs[e + 3]));
                min4 = min4.add(m.mul(xs[e + 4]));
                min5 = min5.add(m.mul(xs[e + 5]));
                min6 = min6.add(m.mul(xs[e + 6]));
                min7 = min7.add(m.mul(xs[e + 7]));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            h = (IntVector) ShortVector.fromMemorySegment(HR, w, o + InterleavedQ4_K.DMIN, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dmin = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d]), acc0);
            acc0 = ((FloatVector) min0.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d]), acc0);
            acc1 = ((FloatVector) sum1.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 1]), acc1);
            acc1 = ((FloatVector) min1.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d + 1]), acc1);
            acc2 = ((FloatVector) sum2.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 2]), acc2);
            acc2 = ((FloatVector) min2.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d + 2]), acc2);
            acc3 = ((FloatVector) sum3.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 3]), acc3);
            acc3 = ((FloatVector) min3.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d + 3]), acc3);
            acc4 = ((FloatVector) sum4.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 4]), acc4);
            acc4 = ((FloatVector) min4.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d + 4]), acc4);
            acc5 = ((FloatVector) sum5.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 5]), acc5);
            acc5 = ((FloatVector) min5.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d + 5]), acc5);
            acc6 = ((FloatVector) sum6.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 6]), acc6);
            acc6 = ((FloatVector) min6.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d + 6]), acc6);
            acc7 = ((FloatVector) sum7.convertShape(VectorOperators.I2F, FR, 0)).fma(dw.mul(xd[d + 7]), acc7);
            acc7 = ((FloatVector) min7.convertShape(VectorOperators.I2F, FR, 0)).fma(dmin.mul(-xd[d + 7]), acc7);
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
