package dev.gemmaspark.engine.quant;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes hand-made blocks byte by byte, for tests. */
final class BlockBuilder {
    private final ByteBuffer buf;

    BlockBuilder(int bytes) {
        buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    BlockBuilder f16(float v) {
        short h = Float.floatToFloat16(v);
        if (Float.float16ToFloat(h) != v) {
            throw new IllegalArgumentException(v + " is not an fp16 value");
        }
        buf.putShort(h);
        return this;
    }

    BlockBuilder u8(int v) {
        buf.put((byte) v);
        return this;
    }

    BlockBuilder u32(int v) {
        buf.putInt(v);
        return this;
    }

    MemorySegment build() {
        if (buf.hasRemaining()) {
            throw new IllegalStateException(buf.remaining() + " bytes of the block not written");
        }
        return MemorySegment.ofArray(buf.array());
    }

    /** Packs 8 six-bit scales and 8 six-bit mins into Q4_K/Q5_K's 12 bytes (the inverse of the spec's unpacking). */
    static int[] packQ4kScales(int[] sc, int[] m) {
        int[] s = new int[12];
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                s[j] |= sc[j];
                s[j + 4] |= m[j];
            } else {
                s[j + 4] = (sc[j] & 15) | ((m[j] & 15) << 4);
                s[j - 4] |= (sc[j] >> 4) << 6;
                s[j] |= (m[j] >> 4) << 6;
            }
        }
        return s;
    }

    /** Packs 16 six-bit unsigned values into Q3_K's 12 scale bytes (the inverse of the spec's unpacking). */
    static int[] packQ3kScales(int[] v) {
        int[] s = new int[12];
        for (int k = 0; k < 16; k++) {
            if (k < 8) {
                s[k] |= v[k] & 15;
            } else {
                s[k - 8] |= (v[k] & 15) << 4;
            }
            s[8 + k % 4] |= (v[k] >> 4) << (2 * (k / 4));
        }
        return s;
    }
}
