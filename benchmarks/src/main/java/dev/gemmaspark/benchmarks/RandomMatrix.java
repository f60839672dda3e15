package dev.gemmaspark.benchmarks;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.LittleEndian;
import dev.gemmaspark.engine.quant.WeightQuantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Random, valid weight blocks of any {@link GGMLType}, laid out as a tensor in the model file. Types the engine
 * can quantize are quantized from Gaussian values as llama-quantize would; the others get random bytes with
 * their fp16 block scales set to small finite values, so that no NaN or infinity changes what the kernels do.
 */
final class RandomMatrix {
    /** The types {@link WeightQuantizer} writes. */
    private static final Set<GGMLType> QUANTIZABLE = Set.of(GGMLType.F32, GGMLType.F16, GGMLType.BF16,
            GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q6_K);
    /** The spread of real Gemma weights, roughly: the scales the quantizers then choose are realistic. */
    private static final double WEIGHT_SD = 0.02;

    private RandomMatrix() {
    }

    /** {@code rows} x {@code cols} weights of {@code type}, 64-byte aligned, allocated in {@code arena}. */
    static MemorySegment of(GGMLType type, int rows, int cols, long seed, Arena arena) {
        SplittableRandom random = new SplittableRandom(seed);
        int rowBytes = Math.toIntExact(type.bytesFor(cols));
        MemorySegment data = arena.allocate((long) rowBytes * rows, 64);
        float[] values = new float[cols];
        byte[] row = new byte[rowBytes];
        for (int r = 0; r < rows; r++) {
            if (QUANTIZABLE.contains(type)) {
                for (int c = 0; c < cols; c++) {
                    values[c] = (float) (random.nextGaussian() * WEIGHT_SD);
                }
                WeightQuantizer.quantize(type, values, 0, cols, row, 0);
            } else {
                random.nextBytes(row);
                setScales(type, row, random);
            }
            MemorySegment.copy(row, 0, data, ValueLayout.JAVA_BYTE, (long) r * rowBytes, rowBytes);
        }
        return data;
    }

    private static void setScales(GGMLType type, byte[] row, SplittableRandom random) {
        MemorySegment blocks = MemorySegment.ofArray(row);
        for (int o = 0; o < row.length; o += type.blockBytes) {
            for (int at : scaleOffsets(type)) {
                float scale = (float) ((1e-3 + 9e-3 * random.nextDouble()) * (random.nextBoolean() ? 1 : -1));
                blocks.set(LittleEndian.I16, o + at, Float.floatToFloat16(scale));
            }
        }
    }

    /** Byte offsets of the fp16 fields (d, and dmin or m) in a block of the types the quantizer lacks. */
    private static int[] scaleOffsets(GGMLType type) {
        return switch (type) {
            case Q5_0 -> new int[] {0};
            case Q4_1, Q5_1, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            default -> throw new IllegalArgumentException("no random blocks for type " + type);
        };
    }
}
