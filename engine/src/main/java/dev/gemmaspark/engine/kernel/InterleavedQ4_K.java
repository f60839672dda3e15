package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.KScales;
import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K weights with every R consecutive rows interleaved ({@link InterleavedLayout}). Per group of R rows and
 * super-block of 256 columns, 148 x R bytes: the R rows' fp16 d, then their fp16 dmin; the 6-bit scales of the 8
 * sub-blocks unpacked to bytes, R per sub-block (row i at i), then the mins likewise; then per sub-block of 32
 * columns 16 x R bytes in the layout of {@link InterleavedQ4_0}'s blocks (chunk c holds columns 2c, 2c+1 in its low
 * nibbles and 2c+16, 2c+17 in its high nibbles, row i at bytes 2i and 2i+1). Unpacking the scales makes it 4 bytes
 * per row larger than the rows it replaces.
 */
final class InterleavedQ4_K implements InterleavedLayout {
    static final InterleavedQ4_K LAYOUT = new InterleavedQ4_K();
    static final int GROUP_BLOCK_BYTES = 148 * ROWS;
    /** Offsets in a group's super-block: the dmins, the scales, the mins, the quantized values. */
    static final int DMIN = 2 * ROWS;
    static final int SCALES = 4 * ROWS;
    static final int MINS = 12 * ROWS;
    static final int VALUES = 20 * ROWS;
    /** Bytes of a sub-block's quantized values. */
    static final int SUB_BLOCK = 16 * ROWS;

    private InterleavedQ4_K() {
    }

    @Override
    public long groupBytes(int cols) {
        return (cols >> 8) * (long) GROUP_BLOCK_BYTES;
    }

    @Override
    public RowKernel kernel() {
        return new InterleavedQ4_KKernel();
    }

    @Override
    public void interleaveRow(String name, MemorySegment src, int r, int cols, MemorySegment dst) {
        int blocks = cols >> 8;
        int i = r % ROWS;
        long s = r * (blocks * 144L);
        long g = (r / ROWS) * groupBytes(cols);
        for (int b = 0; b < blocks; b++, s += 144, g += GROUP_BLOCK_BYTES) {
            short d = src.get(LittleEndian.I16, s);
            short dmin = src.get(LittleEndian.I16, s + 2);
            InterleavedLayout.checkScale(name, d, r, b);
            InterleavedLayout.checkScale(name, dmin, r, b);
            dst.set(LittleEndian.I16, g + 2L * i, d);
            dst.set(LittleEndian.I16, g + DMIN + 2L * i, dmin);
            long packed = src.get(LittleEndian.I64, s + 4);
            int packedHigh = src.get(LittleEndian.I32, s + 12);
            long scales = KScales.q4kScales(packed, packedHigh);
            long mins = KScales.q4kMins(packed, packedHigh);
            for (int j = 0; j < 8; j++) {
                dst.set(ValueLayout.JAVA_BYTE, g + SCALES + ROWS * j + i, (byte) KScales.get(scales, j));
                dst.set(ValueLayout.JAVA_BYTE, g + MINS + ROWS * j + i, (byte) KScales.get(mins, j));
                // Sub-block j is the low (even j) or high nibbles of the 32 bytes of chunk j / 2.
                long qs = s + 16 + 32 * (j >> 1);
                int shift = 4 * (j & 1);
                long v = g + VALUES + SUB_BLOCK * j + 2 * i;
                for (int c = 0; c < 8; c++) {
                    for (int p = 0; p < 2; p++) {
                        int low = (src.get(ValueLayout.JAVA_BYTE, qs + 2 * c + p) >> shift) & 15;
                        int high = (src.get(ValueLayout.JAVA_BYTE, qs + 2 * c + 16 + p) >> shift) & 15;
                        dst.set(ValueLayout.JAVA_BYTE, v + CHUNK * c + p, (byte) (low | high << 4));
                    }
                }
            }
        }
    }

    @Override
    public RowDecoder decoder(int cols) {
        long rowBytes = (cols >> 8) * 144L;
        long groupBytes = groupBytes(cols);
        return (w, off, count, dst, p) -> {
            int r = (int) (off / rowBytes);
            int i = r % ROWS;
            long g = (r / ROWS) * groupBytes + (off % rowBytes) / 144 * GROUP_BLOCK_BYTES;
            for (int end = p + count; p < end; g += GROUP_BLOCK_BYTES) {
                float d = Float.float16ToFloat(w.get(LittleEndian.I16, g + 2L * i));
                float dmin = Float.float16ToFloat(w.get(LittleEndian.I16, g + DMIN + 2L * i));
                for (int j = 0; j < 8; j++, p += 32) {
                    // As get_rows: (d x scale) x q - (dmin x min).
                    FloatVector d1 = FloatVector.broadcast(RowKernel.F, d * w.get(ValueLayout.JAVA_BYTE, g + SCALES + ROWS * j + i));
                    FloatVector m1 = FloatVector.broadcast(RowKernel.F, dmin * w.get(ValueLayout.JAVA_BYTE, g + MINS + ROWS * j + i));
                    ByteVector q = InterleavedQ4_0.gather(w, g + VALUES + SUB_BLOCK * j + 2L * i);
                    ByteVector low = q.and((byte) 15);
                    ByteVector high = q.lanewise(VectorOperators.LSHR, 4);
                    d1.mul((FloatVector) low.convertShape(VectorOperators.B2F, RowKernel.F, 0)).sub(m1).intoArray(dst, p);
                    d1.mul((FloatVector) low.convertShape(VectorOperators.B2F, RowKernel.F, 1)).sub(m1).intoArray(dst, p + 8);
                    d1.mul((FloatVector) high.convertShape(VectorOperators.B2F, RowKernel.F, 0)).sub(m1).intoArray(dst, p + 16);
                    d1.mul((FloatVector) high.convertShape(VectorOperators.B2F, RowKernel.F, 1)).sub(m1).intoArray(dst, p + 24);
                }
            }
        };
    }
}
