package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K weights in the {@link Q6_Kx8} layout against Q8_K activations (ggml_vec_dot_q6_K_q8_K, 8 rows at a time).
 * Per group of 16 columns, the unsigned 6-bit values times the activations are summed in 16-bit lanes (four
 * products of at most 63 x 128 per lane and accumulator, exact), each lane pair into row i's 32-bit lane, 32 x
 * (the group's sum of activations) subtracted, which gives the exact integer sum of (q - 32) x q8, and that
 * times the row's group scale is added up over the super-block in 32-bit integers, as llama.cpp does. Lane i
 * then takes d_w[i] x d_x times the super-block's sum into row i's f32 accumulator.
 */
final class Q6_Kx8Kernel extends InterleavedKernel {
    private static final VectorSpecies<Short> S8 = ShortVector.SPECIES_128;

    Q6_Kx8Kernel() {
        super(Activations.Format.Q8_K);
    }

    @Override
    long groupBytes(int cols) {
        return Q6_Kx8.LAYOUT.groupBytes(cols);
    }

    @Override
    void dot1(MemorySegment w, long off, Activations a, int t, float[] lanes) {
        int blocks = a.cols >> 8;
        int[] xp = a.pairs;
        int[] xs = a.bsumInts;
        float[] xd = a.scales;
        int p0 = t * (a.cols >> 1);
        int s0 = t * (a.cols >> 4);
        int d0 = t * blocks;
        FloatVector acc0 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, off += Q6_Kx8.GROUP_BLOCK_BYTES) {
            IntVector sum0 = IntVector.zero(I8);
            for (int j = 0; j < 16; j++, p0 += 8, s0++) {
                long v = off + Q6_Kx8.VALUES + Q6_Kx8.GROUP_BYTES * j;
                // The high bits of step c, moved to bits 4-5 one step at a time.
                ShortVector h0 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, v + 64, LE).convertShape(VectorOperators.B2S, S16, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector h1 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, v + 80, LE).convertShape(VectorOperators.B2S, S16, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector l0 = ShortVector.zero(S16);
                ShortVector u0 = l0;
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B16, w, v + 16 * c, LE).convertShape(VectorOperators.B2S, S16, 0);
                    ShortVector lo = q.and((short) 15).or(h0.and((short) 0x30));
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15).or(h1.and((short) 0x30));
                    h0 = h0.lanewise(VectorOperators.ASHR, 2);
                    h1 = h1.lanewise(VectorOperators.ASHR, 2);
                    l0 = l0.add(lo.mul(IntVector.broadcast(I8, xp[p0 + c]).reinterpretAsShorts()));
                    u0 = u0.add(hi.mul(IntVector.broadcast(I8, xp[p0 + c + 4]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(B8, w, off + Q6_Kx8.SCALES + 8 * j, LE)
                        .convertShape(VectorOperators.B2I, I8, 0);
                IntVector a0 = l0.reinterpretAsInts();
                IntVector b0 = u0.reinterpretAsInts();
                sum0 = sum0.add(a0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a0.lanewise(VectorOperators.ASHR, 16))
                        .add(b0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(b0.lanewise(VectorOperators.ASHR, 16))
                        .sub(xs[s0] << 5).mul(sc));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S8, w, off, LE).convertShape(VectorOperators.S2I, I8, 0);
            // fp16 to f32 in integers, as in Q4_0x8Kernel.
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d0 + b]), acc0);
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
        int s0 = t0 * sixteenth, s1 = t1 * sixteenth, s2 = t2 * sixteenth, s3 = t3 * sixteenth;
        int d0 = t0 * blocks, d1 = t1 * blocks, d2 = t2 * blocks, d3 = t3 * blocks;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, off += Q6_Kx8.GROUP_BLOCK_BYTES) {
            IntVector sum0 = IntVector.zero(I8), sum1 = sum0, sum2 = sum0, sum3 = sum0;
            for (int j = 0; j < 16; j++, p0 += 8, p1 += 8, p2 += 8, p3 += 8, s0++, s1++, s2++, s3++) {
                long v = off + Q6_Kx8.VALUES + Q6_Kx8.GROUP_BYTES * j;
                ShortVector h0 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, v + 64, LE).convertShape(VectorOperators.B2S, S16, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector h1 = ((ShortVector) ByteVector.fromMemorySegment(B16, w, v + 80, LE).convertShape(VectorOperators.B2S, S16, 0))
                        .lanewise(VectorOperators.LSHL, 4);
                ShortVector l0 = ShortVector.zero(S16), l1 = l0, l2 = l0, l3 = l0;
                ShortVector u0 = l0, u1 = l0, u2 = l0, u3 = l0;
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B16, w, v + 16 * c, LE).convertShape(VectorOperators.B2S, S16, 0);
                    ShortVector lo = q.and((short) 15).or(h0.and((short) 0x30));
                    ShortVector hi = q.lanewise(VectorOperators.ASHR, 4).and((short) 15).or(h1.and((short) 0x30));
                    h0 = h0.lanewise(VectorOperators.ASHR, 2);
                    h1 = h1.lanewise(VectorOperators.ASHR, 2);
                    l0 = l0.add(lo.mul(IntVector.broadcast(I8, xp[p0 + c]).reinterpretAsShorts()));
                    u0 = u0.add(hi.mul(IntVector.broadcast(I8, xp[p0 + c + 4]).reinterpretAsShorts()));
                    l1 = l1.add(lo.mul(IntVector.broadcast(I8, xp[p1 + c]).reinterpretAsShorts()));
                    u1 = u1.add(hi.mul(IntVector.broadcast(I8, xp[p1 + c + 4]).reinterpretAsShorts()));
                    l2 = l2.add(lo.mul(IntVector.broadcast(I8, xp[p2 + c]).reinterpretAsShorts()));
                    u2 = u2.add(hi.mul(IntVector.broadcast(I8, xp[p2 + c + 4]).reinterpretAsShorts()));
                    l3 = l3.add(lo.mul(IntVector.broadcast(I8, xp[p3 + c]).reinterpretAsShorts()));
                    u3 = u3.add(hi.mul(IntVector.broadcast(I8, xp[p3 + c + 4]).reinterpretAsShorts()));
                }
                IntVector sc = (IntVector) ByteVector.fromMemorySegment(B8, w, off + Q6_Kx8.SCALES + 8 * j, LE)
                        .convertShape(VectorOperators.B2I, I8, 0);
                IntVector a0 = l0.reinterpretAsInts(), b0 = u0.reinterpretAsInts();
                sum0 = sum0.add(a0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a0.lanewise(VectorOperators.ASHR, 16))
                        .add(b0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(b0.lanewise(VectorOperators.ASHR, 16))
                        .sub(xs[s0] << 5).mul(sc));
                IntVector a1 = l1.reinterpretAsInts(), b1 = u1.reinterpretAsInts();
                sum1 = sum1.add(a1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a1.lanewise(VectorOperators.ASHR, 16))
                        .add(b1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(b1.lanewise(VectorOperators.ASHR, 16))
                        .sub(xs[s1] << 5).mul(sc));
                IntVector a2 = l2.reinterpretAsInts(), b2 = u2.reinterpretAsInts();
                sum2 = sum2.add(a2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a2.lanewise(VectorOperators.ASHR, 16))
                        .add(b2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(b2.lanewise(VectorOperators.ASHR, 16))
                        .sub(xs[s2] << 5).mul(sc));
                IntVector a3 = l3.reinterpretAsInts(), b3 = u3.reinterpretAsInts();
                sum3 = sum3.add(a3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(a3.lanewise(VectorOperators.ASHR, 16))
                        .add(b3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(b3.lanewise(VectorOperators.ASHR, 16))
                        .sub(xs[s3] << 5).mul(sc));
            }
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S8, w, off, LE).convertShape(VectorOperators.S2I, I8, 0);
            FloatVector dw = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000)).reinterpretAsFloats().mul(0x1p112f);
            acc0 = ((FloatVector) sum0.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d0 + b]), acc0);
            acc1 = ((FloatVector) sum1.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d1 + b]), acc1);
            acc2 = ((FloatVector) sum2.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d2 + b]), acc2);
            acc3 = ((FloatVector) sum3.convertShape(VectorOperators.I2F, F, 0)).fma(dw.mul(xd[d3 + b]), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, 8);
        acc2.intoArray(lanes, 16);
        acc3.intoArray(lanes, 24);
    }
}
