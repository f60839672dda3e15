package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 weights with every R consecutive rows interleaved ({@link InterleavedLayout}), as llama.cpp repacks Q4_0
 * into {@code block_q4_0x8} for its AVX2 kernels. Per group of R rows and block of 32 columns, 18 x R bytes: the R
 * rows' fp16 scales, then 8 chunks of 2 x R bytes, chunk c holding row i's bytes qs[2c] and qs[2c+1] at 2i and
 * 2i+1. Widened to 16-bit lanes, a chunk's low nibbles are columns 2c and 2c+1 of the R rows, its high nibbles
 * columns 2c+16 and 2c+17, in the lane order of the two activations broadcast as one int: one multiply then serves
 * R rows, and each row's sum ends in a lane of its own instead of being summed across lanes (see {@link
 * InterleavedQ4_0Kernel}).
 */
final class InterleavedQ4_0 implements InterleavedLayout {
    static final InterleavedQ4_0 LAYOUT = new InterleavedQ4_0();
    static final int GROUP_BLOCK_BYTES = ROWS * 18;
    private static final VectorSpecies<Long> L2 = LongVector.SPECIES_128;

    private InterleavedQ4_0() {
    }

    @Override
    public RowKernel kernel() {
        return new InterleavedQ4_0Kernel();
    }

    @Override
    public long groupBytes(int cols) {
        return (cols >> 5) * (long) GROUP_BLOCK_BYTES;
    }

    @Override
    public void interleaveRow(String name, MemorySegment src, int r, int cols, MemorySegment dst) {
        int blocks = cols >> 5;
        long s = r * (blocks * 18L);
        long g = (r / ROWS) * groupBytes(cols) + 2L * (r % ROWS);
        for (int b = 0; b < blocks; b++, s += 18, g += GROUP_BLOCK_BYTES) {
            short scale = src.get(LittleEndian.I16, s);
            InterleavedLayout.checkScale(name, scale, r, b);
            dst.set(LittleEndian.I16, g, scale);
            for (int c = 0; c < 8; c++) {
                dst.set(LittleEndian.I16, g + CHUNK + CHUNK * c, src.get(LittleEndian.I16, s + 2 + 2 * c));
            }
        }
    }

    @Override
    public RowDecoder decoder(int cols) {
        long rowBytes = (cols >> 5) * 18L;
        long groupBytes = groupBytes(cols);
        return (w, off, count, dst, p) -> {
            int r = (int) (off / rowBytes);
            long g = (r / ROWS) * groupBytes + (off % rowBytes) / 18 * GROUP_BLOCK_BYTES + 2L * (r % ROWS);
            for (int end = p + count; p < end; p += 32, g += GROUP_BLOCK_BYTES) {
                FloatVector d = FloatVector.broadcast(RowKernel.F, Float.float16ToFloat(w.get(LittleEndian.I16, g)));
                ByteVector q = gather(w, g + CHUNK);
                ByteVector low = q.and((byte) 15).sub((byte) 8);
                ByteVector high = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
                ((FloatVector) low.convertShape(VectorOperators.B2F, RowKernel.F, 0)).mul(d).intoArray(dst, p);
                ((FloatVector) low.convertShape(VectorOperators.B2F, RowKernel.F, 1)).mul(d).intoArray(dst, p + 8);
                ((FloatVector) high.convertShape(VectorOperators.B2F, RowKernel.F, 0)).mul(d).intoArray(dst, p + 16);
                ((FloatVector) high.convertShape(VectorOperators.B2F, RowKernel.F, 1)).mul(d).intoArray(dst, p + 24);
            }
        };
    }

    /**
     * The 16 bytes of one row's block in plain order, from the 8 chunks at {@code chunks} where they lie two at a
     * time (the row's pair of chunk c at {@code chunks + CHUNK x c}).
     */
    static ByteVector gather(MemorySegment w, long chunks) {
        long lo = 0;
        long hi = 0;
        for (int c = 0; c < 4; c++) {
            lo |= (w.get(LittleEndian.I16, chunks + CHUNK * c) & 0xFFFFL) << (16 * c);
            hi |= (w.get(LittleEndian.I16, chunks + CHUNK * (c + 4)) & 0xFFFFL) << (16 * c);
        }
        return LongVector.zero(L2).withLane(0, lo).withLane(1, hi).reinterpretAsBytes();
    }
}
