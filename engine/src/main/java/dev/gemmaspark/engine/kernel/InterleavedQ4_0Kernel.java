package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 weights in the {@link InterleavedQ4_0} layout against Q8_0 activations (ggml_vec_dot_q4_0_q8_0, a group of
 * rows at a time).
 * Per block of 32 columns, each 16-bit lane pair (2i, 2i+1) accumulates row i's products of nibbles 0..15 with
 * the activations, at most 16 x 15 x 127 per lane, exact; the pair is summed into row i's 32-bit lane, and
 * 8 x (the block's sum of activations) is subtracted, which gives the exact integer sum of (nibble - 8) x q8
 * that llama.cpp computes. Lane i then takes d_w[i] x d_x times it into row i's f32 accumulator. Every row's
 * result is the same sequence of operations whichever tokens share the call.
 *
 * <p>Against the plain layout this does a third of the instructions per weight: no widening of each block to
 * two vectors per row, no per-row sum across lanes, and scales widened for a group of rows at once.
 */
final class InterleavedQ4_0Kernel extends InterleavedKernel {

    InterleavedQ4_0Kernel() {
        super(Activations.Format.Q8_0);
    }

    @Override
    long groupBytes(int cols) {
        return InterleavedQ4_0.LAYOUT.groupBytes(cols);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int blocks = a.cols >> 5;
        int[] xp = a.pairs;
        int[] xs = a.qsums;
        float[] xd = a.scales;
        int p0 = t * (a.cols >> 1);
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(FR);
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * InterleavedQ4_0.GROUP_BLOCK_BYTES;
            int q0 = p0 + 16 * b;
            ShortVector s0 = ShortVector.zero(SR);
            for (int c = 0; c < 8; c++) {
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BC, w, o + CHUNK + CHUNK * c, LE)
                        .convertShape(VectorOperators.B2S, SR, 0);
                ShortVector lo = q.and((short) 15);
                ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15);
                s0 = s0.add(lo.mul(IntVector.broadcast(IR, xp[q0 + c]).reinterpretAsShorts()))
                        .add(hi.mul(IntVector.broadcast(IR, xp[q0 + c + 8]).reinterpretAsShorts()));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            // fp16 to f32 in integers: the magnitude bits moved into place are the value times 2^-112, exactly for
            // normal and subnormal halves (interleave rejects infinities and NaNs). Written out in every kernel body:
            // with a shared helper method instead, the eight-token body ran 1.8x slower (JMH, 32 tokens, one thread:
            // 6.3-6.7 to 11.4-12.2 ms).
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            IntVector i0 = s0.reinterpretAsInts();
            acc0 = ((FloatVector) i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i0.lanewise(VectorOperators.ASHR, 16)).sub(xs[d0 + b] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d0 + b]), acc0);
        }
        acc0.intoArray(lanes, 0);
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int blocks = a.cols >> 5;
        int[] xp = a.pairs;
        int[] xs = a.qsums;
        float[] xd = a.scales;
        int half = a.cols >> 1;
        int p0 = t0 * half, p1 = t1 * half, p2 = t2 * half, p3 = t3 * half;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(FR), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long o = off + (long) b * InterleavedQ4_0.GROUP_BLOCK_BYTES;
            int q0 = p0 + 16 * b, q1 = p1 + 16 * b, q2 = p2 + 16 * b, q3 = p3 + 16 * b;
            ShortVector s0 = ShortVector.zero(SR), s1 = s0, s2 = s0, s3 = s0;
            for (int c = 0; c < 8; c++) {
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BC, w, o + CHUNK + CHUNK * c, LE)
                        .convertShape(VectorOperators.B2S, SR, 0);
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
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            IntVector i0 = s0.reinterpretAsInts();
            acc0 = ((FloatVector) i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i0.lanewise(VectorOperators.ASHR, 16)).sub(xs[d0 + b] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d0 + b]), acc0);
            IntVector i1 = s1.reinterpretAsInts();
            acc1 = ((FloatVector) i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i1.lanewise(VectorOperators.ASHR, 16)).sub(xs[d1 + b] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d1 + b]), acc1);
            IntVector i2 = s2.reinterpretAsInts();
            acc2 = ((FloatVector) i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i2.lanewise(VectorOperators.ASHR, 16)).sub(xs[d2 + b] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d2 + b]), acc2);
            IntVector i3 = s3.reinterpretAsInts();
            acc3 = ((FloatVector) i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i3.lanewise(VectorOperators.ASHR, 16)).sub(xs[d3 + b] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d3 + b]), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, ROWS);
        acc2.intoArray(lanes, 2 * ROWS);
        acc3.intoArray(lanes, 3 * ROWS);
    }

    @Override
    void dot8(MemorySegment w, long off, Activations a, int t0, float[] lanes) {
        int blocks = a.cols >> 5;
        int[] xp = a.tilePairs;
        int[] xs = a.tileQsums;
        float[] xd = a.tileScales;
        int p = t0 * (a.cols >> 1);
        int d = t0 * blocks;
        FloatVector acc0 = FloatVector.zero(FR), acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0;
        for (int b = 0; b < blocks; b++, p += 128, d += 8) {
            long o = off + (long) b * InterleavedQ4_0.GROUP_BLOCK_BYTES;
            ShortVector s0 = ShortVector.zero(SR), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int c = 0; c < 8; c++) {
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(BC, w, o + CHUNK + CHUNK * c, LE)
                        .convertShape(VectorOperators.B2S, SR, 0);
                ShortVector lo = q.and((short) 15);
                ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15);
                int i = p + 8 * c;
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
            IntVector h = (IntVector) ShortVector.fromMemorySegment(HR, w, o, LE).convertShape(VectorOperators.S2I, IR, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            IntVector i0 = s0.reinterpretAsInts();
            acc0 = ((FloatVector) i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i0.lanewise(VectorOperators.ASHR, 16)).sub(xs[d] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d]), acc0);
            IntVector i1 = s1.reinterpretAsInts();
            acc1 = ((FloatVector) i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i1.lanewise(VectorOperators.ASHR, 16)).sub(xs[d + 1] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d + 1]), acc1);
            IntVector i2 = s2.reinterpretAsInts();
            acc2 = ((FloatVector) i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i2.lanewise(VectorOperators.ASHR, 16)).sub(xs[d + 2] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d + 2]), acc2);
            IntVector i3 = s3.reinterpretAsInts();
            acc3 = ((FloatVector) i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i3.lanewise(VectorOperators.ASHR, 16)).sub(xs[d + 3] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d + 3]), acc3);
            IntVector i4 = s4.reinterpretAsInts();
            acc4 = ((FloatVector) i4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i4.lanewise(VectorOperators.ASHR, 16)).sub(xs[d + 4] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d + 4]), acc4);
            IntVector i5 = s5.reinterpretAsInts();
            acc5 = ((FloatVector) i5.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i5.lanewise(VectorOperators.ASHR, 16)).sub(xs[d + 5] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d + 5]), acc5);
            IntVector i6 = s6.reinterpretAsInts();
            acc6 = ((FloatVector) i6.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i6.lanewise(VectorOperators.ASHR, 16)).sub(xs[d + 6] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d + 6]), acc6);
            IntVector i7 = s7.reinterpretAsInts();
            acc7 = ((FloatVector) i7.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(i7.lanewise(VectorOperators.ASHR, 16)).sub(xs[d + 7] << 3).convertShape(VectorOperators.I2F, FR, 0))
                    .fma(dw.mul(xd[d + 7]), acc7);
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
