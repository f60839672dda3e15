package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.Dequantizer;
import dev.gemmaspark.engine.quant.RandomWeights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RowDecoderTest {
    /** Every decoder gives get_rows' values bit for bit, for each row of a matrix of several blocks per row. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16"}, mode = EnumSource.Mode.EXCLUDE)
    void decodesRowsExactlyAsDequantizer(GGMLType type) {
        Random rnd = new Random(type.ordinal());
        int rows = 5;
        int cols = 4 * 256;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
            RowDecoder decoder = RowDecoder.forType(type);
            long rowBytes = type.bytesFor(cols);
            for (int r = 0; r < rows; r++) {
                float[] expected = new float[cols];
                Dequantizer.dequantize(type, data, r * rowBytes, expected, 0, cols);
                float[] got = new float[cols + 3];
                decoder.decode(data, r * rowBytes, cols, got, 3);
                assertArrayEquals(expected, java.util.Arrays.copyOfRange(got, 3, cols + 3), 0f, type + " row " + r);
            }
        }
    }

    /**
     * Interleaved rows decode to get_rows' values bit for bit: every row of 13 (the last group padded)
     * whole, and a range of blocks from the middle of each row, as the panel kernel asks for them.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q4_0", "Q4_K", "Q6_K"})
    void interleavedRowsDecodeExactlyAsDequantizer(GGMLType type) {
        Random rnd = new Random(7);
        int rows = 13;
        int cols = 4 * 256;
        InterleavedLayout layout = InterleavedLayout.of(type);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
            MemorySegment interleaved = layout.interleave("w", data, rows, cols);
            // 16 rows (two groups of 8 or one of 16); Q4_K unpacks its 6-bit scales and mins to bytes, 4 bytes more per
            // row and super-block.
            assertEquals(16 * type.bytesFor(cols) + (type == GGMLType.Q4_K ? 16 * 4 * 4 : 0), interleaved.byteSize());
            RowDecoder decoder = layout.decoder(cols);
            long rowBytes = type.bytesFor(cols);
            for (int r = 0; r < rows; r++) {
                float[] expected = new float[cols];
                Dequantizer.dequantize(type, data, r * rowBytes, expected, 0, cols);
                float[] got = new float[cols + 3];
                decoder.decode(interleaved, r * rowBytes, cols, got, 3);
                assertArrayEquals(expected, java.util.Arrays.copyOfRange(got, 3, cols + 3), 0f, type + " row " + r);
                float[] middle = new float[512];
                decoder.decode(interleaved, r * rowBytes + type.bytesFor(256), 512, middle, 0);
                assertArrayEquals(java.util.Arrays.copyOfRange(expected, 256, 768), middle, 0f, type + " row " + r + ", columns 256..768");
            }
        }
    }

    /** The kernels' width is the preferred one (512 bits with AVX-512, else 256) unless set, and groups follow it. */
    @Test
    void vectorWidthFollowsTheMachineOrTheProperty() {
        String property = System.getProperty(VectorWidth.PROPERTY);
        int expected = property != null ? Integer.parseInt(property)
                : jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 512 : 256;
        assertEquals(expected, VectorWidth.BITS);
        assertEquals(expected / 32, InterleavedLayout.ROWS);
        assertEquals(expected == 512, PanelKernel.WIDE);
    }

    /** A non-finite scale is refused with the tensor, row and block named (the kernels widen finite scales only). */
    @Test
    void interleavingRefusesNonFiniteScales() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(GGMLType.Q4_0, 3 * 64, new Random(1), arena);
            data.set(dev.gemmaspark.engine.quant.LittleEndian.I16, 2 * 18 + 18, (short) 0x7c00);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> InterleavedLayout.of(GGMLType.Q4_0).interleave("blk.0.ffn_up.weight", data, 3, 64));
            assertEquals("tensor blk.0.ffn_up.weight: row 1, block 1 has a non-finite scale (fp16 0x7c00)", e.getMessage());
        }
    }
}
