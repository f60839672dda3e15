package dev.gemmaspark.engine.quant;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random weights of any type for tests: random bytes, with the fp16 scale fields set to sane values. */
public final class RandomWeights {
    private RandomWeights() {
    }

    /** A segment with {@code elements} random elements of {@code type}, allocated in {@code arena}. */
    public static MemorySegment of(GGMLType type, long elements, Random rnd, Arena arena) {
        long bytes = type.bytesFor(elements);
        MemorySegment s = arena.allocate(bytes, 64);
        byte[] raw = new byte[(int) Math.min(bytes, 1 << 20)];
        for (long pos = 0; pos < bytes; pos += raw.length) {
            rnd.nextBytes(raw);
            MemorySegment.copy(raw, 0, s, ValueLayout.JAVA_BYTE, pos, (int) Math.min(raw.length, bytes - pos));
        }
        long blocks = elements / type.blockSize;
        for (long b = 0; b < blocks; b++) {
            long o = b * type.blockBytes;
            switch (type) {
                case F32 -> s.set(LittleEndian.F32, o, (float) rnd.nextGaussian());
                case F16 -> s.set(LittleEndian.I16, o, Float.floatToFloat16((float) rnd.nextGaussian()));
                case BF16 -> s.set(LittleEndian.I16, o, HalfFloats.toBf16((float) rnd.nextGaussian()));
                default -> {
                    for (int at : scaleOffsets(type)) {
                        float v = (float) ((1e-3 + 9e-3 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1));
                        s.set(LittleEndian.I16, o + at, Float.floatToFloat16(v));
                    }
                }
            }
        }
        return s;
    }

    /** Sets every fp16 scale (d, and dmin or m) of a quantized segment to 1, so all dot products are integers. */
    public static void setUnitScales(GGMLType type, MemorySegment s) {
        for (long o = 0; o < s.byteSize(); o += type.blockBytes) {
            for (int at : scaleOffsets(type)) {
                s.set(LittleEndian.I16, o + at, Float.floatToFloat16(1f));
            }
        }
    }

    /** Byte offsets of the fp16 fields of a block (spec section 2.2). */
    private static int[] scaleOffsets(GGMLType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0 -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            case F32, F16, BF16 -> new int[0];
        };
    }
}
