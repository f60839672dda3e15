package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.quant.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q6_K weights with every R consecutive rows interleaved ({@link InterleavedLayout}). Per group of R rows and
 * super-block of 256 columns, 210 x R bytes: the R rows' fp16 scales d; the int8 scales of the 16 column groups, R
 * bytes per group (row i at i); then per group of 16 columns 6 chunks of 2 x R bytes, in the 16-bit lane order of
 * {@link InterleavedQ4_0} (lane 2i + p is row i, column 2s + p of the group's pair step s): 4 chunks whose low
 * nibbles are the low 4 bits of steps 0..3 and high nibbles those of steps 4..7, then 2 chunks holding the high 2
 * bits of steps 0..3 and 4..7, two bits per step from bit 0 up.
 */
final class InterleavedQ6_K implements InterleavedLayout {
    static final InterleavedQ6_K LAYOUT = new InterleavedQ6_K();
    static final int GROUP_BLOCK_BYTES = ROWS * 210;
    /** Offset of the int8 scales, then of the 16 groups of quantized values, in a group's super-block. */
    static final int SCALES = 2 * ROWS;
    static final int VALUES = SCALES + 16 * ROWS;
    static final int GROUP_BYTES = 6 * CHUNK;

    private InterleavedQ6_K() {
    }

    @Override
    public long groupBytes(int cols) {
        return (cols >> 8) * (long) GROUP_BLOCK_BYTES;
    }

    @Override
    public RowKernel kernel() {
        return new InterleavedQ6_KKernel();
    }

    @Override
    public void interleaveRow(String name, MemorySegment src, int r, int cols, MemorySegment dst) {
        int blocks = cols >> 8;
        int i = r % ROWS;
        long s = r * (blocks * 210L);
        long g = (r / ROWS) * groupBytes(cols);
        int[] q = new int[256];
        for (int b = 0; b < blocks; b++, s += 210, g += GROUP_BLOCK_BYTES) {
            short d = src.get(LittleEndian.I16, s + 208);
            InterleavedLayout.checkScale(name, d, r, b);
            dst.set(LittleEndian.I16, g + 2L * i, d);
            unpack(src, s, q);
            for (int j = 0; j < 16; j++) {
                dst.set(ValueLayout.JAVA_BYTE, g + SCALES + ROWS * j + i, src.get(ValueLayout.JAVA_BYTE, s + 192 + j));
                long v = g + VALUES + GROUP_BYTES * j;
                for (int p = 0; p < 2; p++) {
                    int lane = 2 * i + p;
                    int e = 16 * j + p;
                    for (int c = 0; c < 4; c++) {
                        int low = q[e + 2 * c] & 15;
                        int high = q[e + 2 * c + 8] & 15;
                        dst.set(ValueLayout.JAVA_BYTE, v + CHUNK * c + lane, (byte) (low | high << 4));
                    }
                    for (int k = 0; k < 2; k++) {
                        int bits = 0;
                        for (int step = 0; step < 4; step++) {
                            bits |= (q[e + 2 * (4 * k + step)] >> 4) << (2 * step);
                        }
                        dst.set(ValueLayout.JAVA_BYTE, v + CHUNK * (4 + k) + lane, (byte) bits);
                    }
                }
            }
        }
    }

    /** The 256 unsigned 6-bit values of the plain super-block at {@code off}, in column order. */
    private static void unpack(MemorySegment w, long off, int[] q) {
        for (int half = 0; half < 2; half++) {
            long ql = off + 64 * half;
            long qh = off + 128 + 32 * half;
            for (int l = 0; l < 32; l++) {
                int h = w.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                int a = w.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF;
                int b = w.get(ValueLayout.JAVA_BYTE, ql + l + 32) & 0xFF;
                int e = 128 * half + l;
                q[e] = (a & 15) | (h & 3) << 4;
                q[e + 32] = (b & 15) | ((h >> 2) & 3) << 4;
                q[e + 64] = (a >> 4) | ((h >> 4) & 3) << 4;
                q[e + 96] = (b >> 4) | (h >> 6) << 4;
            }
        }
    }

    @Override
    public RowDecoder decoder(int cols) {
        long rowBytes = (cols >> 8) * 210L;
        long groupBytes = groupBytes(cols);
        return (w, off, count, dst, p) -> {
            int r = (int) (off / rowBytes);
            int i = r % ROWS;
            long g = (r / ROWS) * groupBytes + (off % rowBytes) / 210 * GROUP_BLOCK_BYTES;
            for (int end = p + count; p < end; g += GROUP_BLOCK_BYTES) {
                float d = Float.float16ToFloat(w.get(LittleEndian.I16, g + 2L * i));
                for (int j = 0; j < 16; j++, p += 16) {
                    // As get_rows: (d x scale) x (q - 32).
                    float scale = d * w.get(ValueLayout.JAVA_BYTE, g + SCALES + ROWS * j + i);
                    long v = g + VALUES + GROUP_BYTES * j;
                    for (int par = 0; par < 2; par++) {
                        int lane = 2 * i + par;
                        int h0 = w.get(ValueLayout.JAVA_BYTE, v + 4 * CHUNK + lane);
                        int h1 = w.get(ValueLayout.JAVA_BYTE, v + 5 * CHUNK + lane);
                        for (int c = 0; c < 4; c++) {
                            int nibbles = w.get(ValueLayout.JAVA_BYTE, v + CHUNK * c + lane);
                            dst[p + 2 * c + par] = scale * (((nibbles & 15) | ((h0 >> (2 * c)) & 3) << 4) - 32);
                            dst[p + 2 * c + 8 + par] = scale * ((((nibbles >> 4) & 15) | ((h1 >> (2 * c)) & 3) << 4) - 32);
                        }
                    }
                }
            }
        };
    }
}
