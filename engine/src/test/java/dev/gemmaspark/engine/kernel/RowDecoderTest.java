package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.Dequantizer;
import dev.gemmaspark.engine.quant.RandomWeights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
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
}
