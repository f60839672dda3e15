package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K weights in the {@link Q4_Kx8} layout against Q8_K activations (ggml_vec_dot_q4_K_q8_K, 8 rows at a time).
 * Per sub-block of 32 columns, the nibbles times the activations are summed in 16-bit lanes as in {@link
 * Q4_0x8Kernel} (at most 16 x 15 x 128 per lane, exact), each lane pair into row i's 32-bit lane, and that times
 * the row's sub-block scale is added up over the super-block in 32-bit integers, as are the mins times the
 * sub-blocks' sums of activations; lane i then takes d_w[i] x d_x times the first and -dmin_w[i] x d_x times the
 * second into row i's f32 accumulator.
 */
final class Q4_Kx8Kernel extends InterleavedKernel {
    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;

    Q4_Kx8Kernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    long groupBytes(int cols) {
        return Q4_Kx8.LAYOUT.groupBytes(cols);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.pairs;
        int[] xs = a.bsumInts;
        float[] xd = a.scales;
        int p0 = t * (a.cols >> 1);
        int b0 = t * (a.cols >> 4);
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, off += Q4_Kx8.GROUP_BLOCK_BYTES) {
            IntVector sum0 = IntVector.zero(I8);
            IntVector min0 = sum0;
            for (int j = 0; j < 8; j++, p0 += 16, b0 += 2) {
                long v = off + Q4_Kx8.VALUES + 128 * j;
                ShortVector s0 = ShortVector.zero(S16);
                for (int c = 0; c < 8; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B16, w, v + 16 * c, LE).convertShape(VectorOperators.B2S, S16, 0);
                    ShortVector lo = q.and((short) 15);
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15);
                    s0 = s0.add(lo.mul(IntVector.broadcast(I8, xp[p0 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(I8, xp[p0 + c + 8]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(B8, w, off + Q4_Kx8.SCALES + 8 * j, LE).convertShape(VectorOperators.B2I, I8, 0);
                IntVector m = (IntVector) ByteVector.fromMemorySegment(B8, w, off + Q4_Kx8.MINS + 8 * j, LE).convertShape(VectorOperators.B2I, I8, 0);
                IntVector i0 = s0.reinterpretAsInts();
                sum0 = sum0.add(i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min0 = min0.add(m.mul(xs[b0] + xs[b0 + 1]));
            }
            // fp16 to f32 in integers, as in Q4_0x8Kernel.
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S8, w, off, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            h = (IntVector) ShortVector.fromMemorySegment(S8, w, off + Q4_Kx8.DMIN, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector dmin = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d0 + b]), acc0);
            acc0 = ((FloatVector) min0.convertShape(VectorOperators.I2F, F, 0)).fma(dmin.mul(-xd[d0 + b]), acc0);
        }
        acc0.intoArray(lanes, 0);
    }

    @Override
    void dot4(MemorySegment w, long off, Activations a, int t0, int t1, int t2, int t3, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.pairs;
        int[] xs = a.bsumInts;
        float[] xd = a.scales;
        int half = a.cols >> 1;
        int sixteenth = a.cols >> 4;
        int p0 = t0 * half, p1 = t1 * half, p2 = t2 * half, p3 = t3 * half;
        int b0 = t0 * sixteenth, b1 = t1 * sixteenth, b2 = t2 * sixteenth, b3 = t3 * sixteenth;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, off += Q4_Kx8.GROUP_BLOCK_BYTES) {
            IntVector sum0 = IntVector.zero(I8), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            IntVector min0 = sum0, min1 = sum0, min2 = sum0, min3 = sum0;
            for (int j = 0; j < 8; j++, p0 += 16, b0 += 2, p1 += 16, b1 += 2, p2 += 16, b2 += 2, p3 += 16, b3 += 2) {
                long v = off + Q4_Kx8.VALUES + 128 * j;
                ShortVector s0 = ShortVector.zero(S16), s1 = s0, s2 = s0, s3 = s0;
                for (int c = 0; c < 8; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B16, w, v + 16 * c, LE).convertShape(VectorOperators.B2S, S16, 0);
                    ShortVector lo = q.and((short) 15);
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15);
                    s0 = s0.add(lo.mul(IntVector.broadcast(I8, xp[p0 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(I8, xp[p0 + c + 8]).reinterpretAsShorts()));
                    s1 = s1.add(lo.mul(IntVector.broadcast(I8, xp[p1 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(I8, xp[p1 + c + 8]).reinterpretAsShorts()));
                    s2 = s2.add(lo.mul(IntVector.broadcast(I8, xp[p2 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(I8, xp[p2 + c + 8]).reinterpretAsShorts()));
                    s3 = s3.add(lo.mul(IntVector.broadcast(I8, xp[p3 + c]).reinterpretAsShorts()))
                            .add(hi.mul(IntVector.broadcast(I8, xp[p3 + c + 8]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(B8, w, off + Q4_Kx8.SCALES + 8 * j, LE).convertShape(VectorOperators.B2I, I8, 0);
                IntVector m = (IntVector) ByteVector.fromMemorySegment(B8, w, off + Q4_Kx8.MINS + 8 * j, LE).convertShape(VectorOperators.B2I, I8, 0);
                IntVector i0 = s0.reinterpretAsInts();
                sum0 = sum0.add(i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i0.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min0 = min0.add(m.mul(xs[b0] + xs[b0 + 1]));
                IntVector i1 = s1.reinterpretAsInts();
                sum1 = sum1.add(i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i1.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min1 = min1.add(m.mul(xs[b1] + xs[b1 + 1]));
                IntVector i2 = s2.reinterpretAsInts();
                sum2 = sum2.add(i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i2.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min2 = min2.add(m.mul(xs[b2] + xs[b2 + 1]));
                IntVector i3 = s3.reinterpretAsInts();
                sum3 = sum3.add(i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(i3.lanewise(VectorOperators.ASHR, 16)).mul(sc));
                min3 = min3.add(m.mul(xs[b3] + xs[b3 + 1]));
            }
            // fp16 to f32 in integers, as in Q4_0x8Kernel.
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S8, w, off, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            h = (IntVector) ShortVector.fromMemorySegment(S8, w, off + Q4_Kx8.DMIN, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector dmin = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d0 + b]), acc0);
            acc0 = ((FloatVector) min0.convertShape(VectorOperators.I2F, F, 0)).fma(dmin.mul(-xd[d0 + b]), acc0);
            acc1 = ((FloatVector) sum1.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d1 + b]), acc1);
            acc1 = ((FloatVector) min1.convertShape(VectorOperators.I2F, F, 0)).fma(dmin.mul(-xd[d1 + b]), acc1);
            acc2 = ((FloatVector) sum2.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d2 + b]), acc2);
            acc2 = ((FloatVector) min2.convertShape(VectorOperators.I2F, F, 0)).fma(dmin.mul(-xd[d2 + b]), acc2);
            acc3 = ((FloatVector) sum3.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d3 + b]), acc3);
            acc3 = ((FloatVector) min3.convertShape(VectorOperators.I2F, F, 0)).fma(dmin.mul(-xd[d3 + b]), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, 8);
        acc2.intoArray(lanes, 16);
        acc3.intoArray(lanes, 24);
    }
}
