package dev.gemmaspark.engine.quant;

import java.lang.foreign.MemorySegment;

/**
 * Unpacks the sub-block scales (and mins) of K-quant super-blocks. The packed bytes are read with wide loads
 * and unpacked four at a time with bit masks, so a kernel pays a few scalar operations per super-block.
 */
public final class KScales {
    private KScales() {
    }

    /**
     * Q4_K/Q5_K: the 6-bit scales sc of sub-blocks 0..7, one per byte of the result (sub-block j in bits
     * 8j..8j+7), from the 12 packed bytes read as {@code b0to7} and {@code b8to11}. For j < 4, sc = s[j] & 63;
     * for j >= 4, sc = (s[j+4] & 15) | (s[j-4] >> 6) << 4.
     */
    public static long q4kScales(long b0to7, int b8to11) {
        int b0to3 = (int) b0to7;
        int high = (b8to11 & 0x0F0F0F0F) | (((b0to3 >>> 6) & 0x03030303) << 4);
        return (b0to3 & 0x3F3F3F3FL) | ((long) high << 32);
    }

    /** Q4_K/Q5_K: the 6-bit mins m, packed as {@link #q4kScales}. For j < 4, m = s[j+4] & 63; for j >= 4, m = (s[j+4] >> 4) | (s[j] >> 6) << 4. */
    public static long q4kMins(long b0to7, int b8to11) {
        int b4to7 = (int) (b0to7 >>> 32);
        int high = ((b8to11 >>> 4) & 0x0F0F0F0F) | (((b4to7 >>> 6) & 0x03030303) << 4);
        return (b4to7 & 0x3F3F3F3FL) | ((long) high << 32);
    }

    /** The 8 bytes of a packed word as floats, to {@code dst[dstOff .. dstOff+8)}. */
    public static void spread(long packed, float[] dst, int dstOff) {
        for (int k = 0; k < 8; k++) {
            dst[dstOff + k] = (int) (packed >>> (8 * k)) & 0xFF;
        }
    }

    /** Byte {@code k} of a packed word. */
    public static int get(long packed, int k) {
        return (int) (packed >>> (k << 3)) & 0xFF;
    }

    /**
     * Q3_K: the signed scale of group k (0..15) from the 12 packed bytes read as {@code b0to7} and {@code
     * b8to11}: low 4 bits from s[k] (k < 8) or s[k-8] >> 4, high 2 bits from s[8 + k%4] >> 2*(k/4), minus 32.
     */
    public static int q3kScale(long b0to7, int b8to11, int k) {
        int low = (int) (b0to7 >>> (8 * (k & 7) + 4 * (k >>> 3))) & 15;
        int high = (b8to11 >>> (8 * (k & 3) + 2 * (k >>> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    /** Q3_K, from the 12 bytes at {@code offset}: the 16 signed scales to {@code dst[dstOff ..]}. */
    public static void q3k(MemorySegment s, long offset, float[] dst, int dstOff) {
        long b0to7 = s.get(LittleEndian.I64, offset);
        int b8to11 = s.get(LittleEndian.I32, offset + 8);
        for (int k = 0; k < 16; k++) {
            dst[dstOff + k] = q3kScale(b0to7, b8to11, k);
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

}
