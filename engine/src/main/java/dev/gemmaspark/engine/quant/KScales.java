package dev.gemmaspark.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * Unpacks the sub-block scales (and mins) of a K-quant super-block into floats holding small integers. One call
 * per super-block: the vector kernels read the unpacked values from a small per-thread array, which keeps these
 * scalar bit manipulations out of their loops. The packed bytes are read with two wide loads and unpacked four
 * at a time with bit masks.
 */
public final class KScales {
    private KScales() {
    }

    /**
     * Q4_K/Q5_K, from the 12 bytes at {@code offset}: scale sc of sub-block j (0..7) to {@code dst[dstOff + j]},
     * its min m to {@code dst[dstOff + 8 + j]}. For j < 4: sc = s[j] & 63, m = s[j+4] & 63; for j >= 4:
     * sc = (s[j+4] & 15) | (s[j-4] >> 6) << 4, m = (s[j+4] >> 4) | (s[j] >> 6) << 4.
     */
    public static void q4k(MemorySegment s, long offset, float[] dst, int dstOff) {
        long b0to7 = s.get(LittleEndian.I64, offset);
        int b8to11 = s.get(LittleEndian.I32, offset + 8);
        int b0to3 = (int) b0to7;
        int b4to7 = (int) (b0to7 >>> 32);
        spread(b0to3 & 0x3F3F3F3F, dst, dstOff);
        spread((b8to11 & 0x0F0F0F0F) | (((b0to3 >>> 6) & 0x03030303) << 4), dst, dstOff + 4);
        spread(b4to7 & 0x3F3F3F3F, dst, dstOff + 8);
        spread(((b8to11 >>> 4) & 0x0F0F0F0F) | (((b4to7 >>> 6) & 0x03030303) << 4), dst, dstOff + 12);
    }

    /**
     * Q3_K, from the 12 bytes at {@code offset}: the signed scale of group k (0..15) to {@code dst[dstOff + k]}:
     * low 4 bits from s[k] (k < 8) or s[k-8] >> 4, high 2 bits from s[8 + k%4] >> 2*(k/4), minus 32.
     */
    public static void q3k(MemorySegment s, long offset, float[] dst, int dstOff) {
        long low = s.get(LittleEndian.I64, offset);
        int high = s.get(LittleEndian.I32, offset + 8);
        for (int quarter = 0; quarter < 4; quarter++) {
            int lowBits = (int) (low >>> (quarter % 2 * 32 + quarter / 2 * 4)) & 0x0F0F0F0F;
            int highBits = (high >>> (2 * quarter)) & 0x03030303;
            int packed = lowBits | (highBits << 4);
            for (int i = 0; i < 4; i++) {
                dst[dstOff + 4 * quarter + i] = ((packed >>> (8 * i)) & 0xFF) - 32;
            }
        }
    }

    /** Q2_K, from the 16 bytes at {@code offset}: scale (low nibble) of group k to {@code dst[dstOff + k]}, min (high nibble) to {@code dst[dstOff + 16 + k]}. */
    public static void q2k(MemorySegment s, long offset, float[] dst, int dstOff) {
        for (int half = 0; half < 2; half++) {
            long b = s.get(LittleEndian.I64, offset + 8 * half);
            for (int i = 0; i < 8; i++) {
                int v = (int) (b >>> (8 * i)) & 0xFF;
                dst[dstOff + 8 * half + i] = v & 15;
                dst[dstOff + 16 + 8 * half + i] = v >>> 4;
            }
        }
    }

    private static void spread(int packed, float[] dst, int off) {
        dst[off] = packed & 0xFF;
        dst[off + 1] = (packed >>> 8) & 0xFF;
        dst[off + 2] = (packed >>> 16) & 0xFF;
        dst[off + 3] = packed >>> 24;
    }
}
