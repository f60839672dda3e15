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
                case Q4_0, Q5_0, Q8_0, Q4_K, Q5_K -> setScale(s, o, rnd);
                case Q4_1, Q5_1 -> {
                    setScale(s, o, rnd);
                    setScale(s, o + 2, rnd);
                }
                case Q2_K -> {
                    setScale(s, o + 80, rnd);
                    setScale(s, o + 82, rnd);
                }
                case Q3_K -> setScale(s, o + 108, rnd);
                case Q6_K -> setScale(s, o + 208, rnd);
            }
            if (type == GGMLType.Q4_K || type == GGMLType.Q5_K) {
                setScale(s, o + 2, rnd);
            }
        }
        return s;
    }

    /** An fp16 scale of either sign with magnitude in [1e-3, 1e-2), like a real model's. */
    private static void setScale(MemorySegment s, long offset, Random rnd) {
        float v = (float) ((1e-3 + 9e-3 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1));
        s.set(LittleEndian.I16, offset, Float.floatToFloat16(v));
    }
}
