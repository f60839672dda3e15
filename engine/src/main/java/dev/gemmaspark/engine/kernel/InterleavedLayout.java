package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;

/**
 * A weight type whose matrices are copied once, at load, into a layout with every {@link #ROWS} consecutive rows
 * interleaved ({@link InterleavedQ4_0}, {@link InterleavedQ4_K}, {@link InterleavedQ6_K}), as llama.cpp repacks them
 * for its x86 kernels. Its kernel then multiplies ROWS rows per instruction with each row's sum in a lane of its own,
 * instead of summing a row across lanes. The copy is a permutation of the original blocks (rows padded with zero rows
 * to a multiple of ROWS): it takes the memory of the rows it replaces, and decoding it is exact. The layouts below
 * are described with R = ROWS.
 */
interface InterleavedLayout {
    /** Rows per group: an f32 lane each in a vector of {@link VectorWidth} bits, so 16 with AVX-512 and 8 elsewhere. */
    int ROWS = VectorWidth.BITS / 32;
    /** Bytes of a chunk of quantized values: two per row, which the kernels widen to the row's two 16-bit lanes. */
    int CHUNK = 2 * ROWS;

    /** Bytes of one group of ROWS rows of {@code cols} columns. */
    long groupBytes(int cols);

    /** Writes row {@code row} of {@code src} (plain layout) into its group's lanes in {@code dst}. */
    void interleaveRow(String name, MemorySegment src, int row, int cols, MemorySegment dst);

    /** The interleaved copy of {@code rows} rows of {@code cols} columns in {@code src}, freed when unreachable. */
    default MemorySegment interleave(String name, MemorySegment src, int rows, int cols) {
        int groups = Math.ceilDiv(rows, ROWS);
        MemorySegment dst = AnonymousMemory.allocate("the interleaved copy of tensor " + name, groups * groupBytes(cols));
        // Once per model load, on all cores: each group's bytes are written by one thread.
        IntStream.range(0, groups).parallel().forEach(g -> {
            for (int r = g * ROWS; r < Math.min(rows, g * ROWS + ROWS); r++) {
                interleaveRow(name, src, r, cols, dst);
            }
        });
        return dst;
    }

    /**
     * Decodes interleaved rows exactly as get_rows decodes the type, for {@link PanelKernel} and {@code
     * dequantizeRow}: {@code off} is where the weights would start in the plain layout (row x row bytes + first block).
     */
    RowDecoder decoder(int cols);

    /** The kernel against activations rounded as llama.cpp rounds them. */
    RowKernel kernel();

    /** The layout of {@code type}, or null if its matrices stay in place. */
    static InterleavedLayout of(GGMLType type) {
        return switch (type) {
            case Q4_0 -> InterleavedQ4_0.LAYOUT;
            case Q4_K -> InterleavedQ4_K.LAYOUT;
            case Q6_K -> InterleavedQ6_K.LAYOUT;
            default -> null;
        };
    }

    /** Refuses a non-finite fp16 scale: the kernels widen scales with integer arithmetic, exact for finite ones. */
    static void checkScale(String name, short scale, int row, int block) {
        if ((scale & 0x7c00) == 0x7c00) {
            throw new IllegalArgumentException("tensor " + name + ": row " + row + ", block " + block
                    + " has a non-finite scale (fp16 0x" + Integer.toHexString(scale & 0xffff) + ")");
        }
    }
}
