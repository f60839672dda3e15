package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.Dequantizer;
import dev.gemmaspark.engine.quant.HalfFloats;
import dev.gemmaspark.engine.quant.RandomWeights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WeightMatrixTest {
    private static final ThreadPool ONE = new ThreadPool(1);
    private static final ThreadPool TWO = new ThreadPool(2);
    private static final ThreadPool THREE = new ThreadPool(3);

    @AfterAll
    static void closePools() {
        ONE.close();
        TWO.close();
        THREE.close();
    }

    /** The two ways to multiply: one pass of vec_dot kernels, or dequantized panels times f32 activations. */
    enum Path {
        MATMUL, DEQUANTIZED;

        void run(WeightMatrix m, ThreadPool pool, float[] x, int xOff, int n, float[] out, int outOff) {
            if (this == MATMUL) {
                m.matmul(pool, x, xOff, n, out, outOff);
            } else {
                m.matmulDequantized(pool, x, xOff, n, out, outOff);
            }
        }
    }

    /** Row lengths to try: tails of 8 and 16 lanes for the dense types, one and several blocks otherwise. */
    private static int[] colsFor(GGMLType type) {
        return switch (type.blockSize) {
            case 1 -> new int[] {8, 13, 40, 264};
            case 32 -> new int[] {32, 96, 512};
            default -> new int[] {256, 768};
        };
    }

    private static float[] gaussian(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /**
     * The vector kernels against the scalar reference on random blocks. Not bit-exact: the integer sums are exact
     * in both (integerSumsAreExact proves it), but the vector kernel scales and accumulates them per lane (8
     * partial sums of a block, added pairwise at the end) where the reference scales whole block sums and adds
     * them one by one, so the f32 roundings differ. The bound is 1e-6 of the sum of the magnitudes of the
     * element terms, which bounds every partial sum: about 16 f32 roundings.
     */
    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void vectorKernelsMatchScalarReference(GGMLType type) {
        Random rnd = new Random(type.ordinal());
        try (Arena arena = Arena.ofShared()) {
            for (int cols : colsFor(type)) {
                for (int rows : new int[] {1, 5, 13, 16}) {
                    MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
                    WeightMatrix m = WeightMatrix.of("w", type, data, rows, cols, ActivationRounding.LLAMA_CPP);
                    for (int n : new int[] {1, 2, 3, 4, 7}) {
                        float[] x = gaussian(rnd, n * cols);
                        float[] out = new float[n * rows];
                        m.matmul(TWO, x, n, out);
                        for (int t = 0; t < n; t++) {
                            for (int r = 0; r < rows; r++) {
                                ScalarKernels.Dot ref = ScalarKernels.dot(type, data, r * type.bytesFor(cols), x, t * cols, cols);
                                float got = out[t * rows + r];
                                assertTrue(Math.abs(got - ref.value()) <= 1e-6 * ref.magnitude() + 1e-30,
                                        type + " " + rows + "x" + cols + " n=" + n + " t=" + t + " r=" + r + ": " + got
                                                + " vs reference " + ref.value() + " (magnitude " + ref.magnitude() + ")");
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * With every weight scale 1 and integer activations whose block maximum is 127 (so every activation scale
     * is exactly 1 and q = x), each dot product is an integer below 2^24: the kernels must return exactly the
     * integer that the reference computes in long arithmetic, which proves the per-block integer sums exact.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16"}, mode = EnumSource.Mode.EXCLUDE)
    void integerSumsAreExact(GGMLType type) {
        Random rnd = new Random(100 + type.ordinal());
        int rows = 9;
        int cols = 512;
        // Two tiles of eight tokens, then four and one: every kernel, and activations converted on the pool
        // (21 x 512 elements), whose token ranges fill the tiles' interleaved copies in parts.
        int n = 21;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
            RandomWeights.setUnitScales(type, data);
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = i % 32 == 0 ? -127 : rnd.nextInt(5) - 2;
            }
            float[] out = new float[n * rows];
            WeightMatrix.of("w", type, data, rows, cols, ActivationRounding.LLAMA_CPP).matmul(TWO, x, n, out);
            for (int t = 0; t < n; t++) {
                for (int r = 0; r < rows; r++) {
                    ScalarKernels.Dot ref = ScalarKernels.dot(type, data, r * type.bytesFor(cols), x, t * cols, cols);
                    assertTrue(Math.abs(ref.integerSum()) < (1 << 24), "test data too large for exact floats");
                    assertEquals((float) ref.integerSum(), ref.value(), 0f, type + " reference");
                    assertEquals((float) ref.integerSum(), out[t * rows + r], 0f, type + " t=" + t + " r=" + r);
                }
            }
        }
    }

    /**
     * The integer kernels add products in 16-bit lanes before widening them. With every quantized value at one end
     * of its range and every activation at +127 or -127 those sums are at their largest (Q6_K: 8 x 32 x 127 =
     * 32512 per lane) and must still be exact, through the eight-, four- and one-token kernels.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q4_0", "Q4_K", "Q6_K"})
    void sixteenBitLaneSumsAreExactAtTheExtremes(GGMLType type) {
        int rows = 2 * InterleavedLayout.ROWS;
        int cols = 256;
        int n = 13;
        for (int fill : new int[] {0x00, 0xFF}) {
            for (float sign : new float[] {-1, 1}) {
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment data = arena.allocate(rows * type.bytesFor(cols));
                    data.fill((byte) fill);
                    RandomWeights.setUnitScales(type, data);
                    for (long b = 0; b < data.byteSize(); b += type.blockBytes) {
                        if (type == GGMLType.Q6_K) {
                            data.asSlice(b + 192, 16).fill((byte) 1);
                        } else if (type == GGMLType.Q4_K) {
                            // Packed 6-bit scales all 1 and mins all 0 (get_scale_min_k4).
                            data.asSlice(b + 4, 12).fill((byte) 0);
                            data.asSlice(b + 4, 4).fill((byte) 1);
                            data.asSlice(b + 12, 4).fill((byte) 1);
                        }
                    }
                    float[] x = new float[n * cols];
                    Arrays.fill(x, sign * 127);
                    float[] out = new float[n * rows];
                    WeightMatrix.of("w", type, data, rows, cols, ActivationRounding.LLAMA_CPP).matmul(TWO, x, n, out);
                    // Bytes 0x00 hold the lowest value (Q4_0 -8, Q4_K 0, Q6_K -32), bytes 0xFF the highest (7, 15, 31).
                    int value = switch (type) {
                        case Q6_K -> fill == 0 ? -32 : 31;
                        case Q4_K -> fill == 0 ? 0 : 15;
                        default -> fill == 0 ? -8 : 7;
                    };
                    float expected = value * sign * 127 * cols;
                    for (int i = 0; i < out.length; i++) {
                        assertEquals(expected, out[i], 0f, type + " fill " + fill + " x " + sign * 127 + " output " + i);
                    }
                }
            }
        }
    }

    /**
     * On either path, a token's outputs are bit-identical whether it is alone, in any position of a batch of 9, or
     * in batches of 2 and 3, and with 1, 2 or 3 threads. 101 rows: three units of parallel work, the last one
     * partial, and a last panel whose tiles repeat rows.
     */
    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void resultsAreBatchAndThreadInvariant(GGMLType type) {
        Random rnd = new Random(200 + type.ordinal());
        int rows = 101;
        int cols = type.blockSize == 1 ? 200 : 512;
        int n = 9;
        for (ActivationRounding rounding : ActivationRounding.values()) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
                WeightMatrix m = WeightMatrix.of("w", type, data, rows, cols, rounding);
                float[] x = gaussian(rnd, n * cols);
                for (Path path : Path.values()) {
                    String what = type + " " + rounding + " " + path;
                    float[] all = new float[n * rows];
                    path.run(m, TWO, x, 0, n, all, 0);
                    float[] withThree = new float[n * rows];
                    path.run(m, THREE, x, 0, n, withThree, 0);
                    assertArrayEquals(all, withThree, 0f, what + ": 2 vs 3 threads");
                    for (int t = 0; t < n; t++) {
                        float[] alone = new float[rows + 3];
                        path.run(m, ONE, x, t * cols, 1, alone, 3);
                        assertArrayEquals(Arrays.copyOfRange(all, t * rows, (t + 1) * rows), Arrays.copyOfRange(alone, 3, rows + 3), 0f,
                                what + ": token " + t + " alone vs in a batch of 9");
                    }
                    for (int[] batch : new int[][] {{3, 2}, {6, 3}, {1, 4}, {0, 5}}) {
                        int start = batch[0];
                        int size = batch[1];
                        float[] part = new float[size * rows];
                        path.run(m, THREE, x, start * cols, size, part, 0);
                        assertArrayEquals(Arrays.copyOfRange(all, start * rows, (start + size) * rows), part, 0f,
                                what + ": tokens " + start + ".." + (start + size - 1) + " as a batch of " + size);
                    }
                }
            }
        }
    }

    /**
     * The dequantized path computes, per row and token, the f32 dot product of the exactly dequantized weights (as
     * get_rows gives them) with the activations rounded as the matrix's rounding says. Against that product in
     * double, the bound is 1e-6 of the sum of the magnitudes of the terms.
     */
    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void dequantizedPathMultipliesDequantizedWeightsWithRoundedActivations(GGMLType type) {
        Random rnd = new Random(300 + type.ordinal());
        try (Arena arena = Arena.ofShared()) {
            for (int cols : colsFor(type)) {
                int rows = 14;
                MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
                float[] weights = new float[rows * cols];
                Dequantizer.dequantize(type, data, 0, weights, 0, rows * cols);
                for (ActivationRounding rounding : ActivationRounding.values()) {
                    WeightMatrix m = WeightMatrix.of("w", type, data, rows, cols, rounding);
                    int n = 6;
                    float[] x = gaussian(rnd, n * cols);
                    float[] out = new float[n * rows];
                    m.matmulDequantized(TWO, x, 0, n, out, 0);
                    for (int t = 0; t < n; t++) {
                        float[] xr = rounding == ActivationRounding.NONE ? Arrays.copyOfRange(x, t * cols, (t + 1) * cols)
                                : ScalarKernels.roundedActivations(type, x, t * cols, cols);
                        for (int r = 0; r < rows; r++) {
                            double exact = 0;
                            double magnitude = 0;
                            for (int c = 0; c < cols; c++) {
                                exact += (double) weights[r * cols + c] * xr[c];
                                magnitude += Math.abs((double) weights[r * cols + c] * xr[c]);
                            }
                            assertEquals(exact, out[t * rows + r], 1e-6 * magnitude + 1e-30,
                                    type + " " + rounding + " " + rows + "x" + cols + " t=" + t + " r=" + r);
                        }
                    }
                }
            }
        }
    }

    /**
     * Float weights: calls of at least {@link PanelKernel#MIN_TOKENS} tokens go to the panel kernel, smaller ones
     * to the tile kernels; a token's outputs are bit-identical either way, and whatever the thread count. The shape
     * leaves a remainder in every blocking dimension: with one thread two row panels of 52 and 49 rows (49 is not a
     * multiple of the 2-row micro-tile), with two or three threads ranges of 16 rows and one of 5; two token blocks
     * of 132 and 131 tokens (131 is not a multiple of the 6-token micro-tile); a second column block of 27 columns:
     * an odd number of 8-column chunks (3), then a 3-column scalar tail.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16"})
    void panelKernelMatchesTileKernelsBitForBit(GGMLType type) {
        Random rnd = new Random(500 + type.ordinal());
        int rows = PanelKernel.MC + 5;
        int cols = PanelKernel.KC + 27;
        int n = PanelKernel.NC + 7;
        for (ActivationRounding rounding : ActivationRounding.values()) {
            try (Arena arena = Arena.ofShared()) {
                MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
                WeightMatrix m = WeightMatrix.of("w", type, data, rows, cols, rounding);
                float[] x = gaussian(rnd, n * cols);
                float[] all = new float[n * rows];
                m.matmul(ONE, x, n, all);
                for (ThreadPool pool : new ThreadPool[] {TWO, THREE}) {
                    float[] again = new float[n * rows];
                    m.matmul(pool, x, n, again);
                    assertArrayEquals(all, again, 0f, type + " " + rounding + ": 1 vs " + pool.threads() + " threads");
                }
                int small = PanelKernel.MIN_TOKENS - 1;
                for (int t0 = 0; t0 < n; t0 += small) {
                    int size = Math.min(small, n - t0);
                    float[] part = new float[size * rows];
                    m.matmul(TWO, x, t0 * cols, size, part, 0);
                    assertArrayEquals(Arrays.copyOfRange(all, t0 * rows, (t0 + size) * rows), part, 0f,
                            type + " " + rounding + ": tokens " + t0 + ".." + (t0 + size - 1) + " through the tile kernels");
                }
                for (int t = 0; t < n; t += 37) {
                    float[] alone = new float[rows];
                    m.matmul(ONE, x, t * cols, 1, alone, 0);
                    assertArrayEquals(Arrays.copyOfRange(all, t * rows, (t + 1) * rows), alone, 0f,
                            type + " " + rounding + ": token " + t + " alone");
                }
                float[] row = new float[cols];
                for (int r = 0; r < rows; r += 25) {
                    Dequantizer.dequantize(type, data, r * type.bytesFor(cols), row, 0, cols);
                    for (int t = 0; t < n; t += 50) {
                        double exact = 0;
                        double magnitude = 0;
                        for (int c = 0; c < cols; c++) {
                            float xc = rounding == ActivationRounding.NONE ? x[t * cols + c] : roundLikeLlamaCpp(type, x[t * cols + c]);
                            exact += (double) row[c] * xc;
                            magnitude += Math.abs((double) row[c] * xc);
                        }
                        assertEquals(exact, all[t * rows + r], 1e-5 * magnitude, type + " " + rounding + " t=" + t + " r=" + r);
                    }
                }
            }
        }
    }

    private static float roundLikeLlamaCpp(GGMLType type, float v) {
        return switch (type) {
            case F16 -> HalfFloats.roundToF16(v);
            case BF16 -> HalfFloats.roundToBf16(v);
            default -> v;
        };
    }

    /** Large batches convert their activations on the pool, token ranges split across threads: same results. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F16", "BF16", "Q4_0", "Q4_1", "Q4_K"})
    void parallelActivationConversionMatchesSequential(GGMLType type) {
        Random rnd = new Random(400 + type.ordinal());
        int rows = 3;
        int cols = 8192;
        int n = 9; // 9 * 8192 elements: converted by the pool
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
            WeightMatrix m = WeightMatrix.of("w", type, data, rows, cols, ActivationRounding.LLAMA_CPP);
            float[] x = gaussian(rnd, n * cols);
            float[] all = new float[n * rows];
            m.matmul(THREE, x, n, all);
            for (int t = 0; t < n; t++) {
                float[] alone = new float[rows];
                m.matmul(ONE, x, t * cols, 1, alone, 0);
                assertArrayEquals(alone, Arrays.copyOfRange(all, t * rows, (t + 1) * rows), 0f, type + " token " + t);
                ScalarKernels.Dot ref = ScalarKernels.dot(type, data, 0, x, t * cols, cols);
                assertEquals(ref.value(), alone[0], 1e-6 * ref.magnitude(), type + " token " + t + " row 0 vs reference");
            }
        }
    }

    /** NONE: the exactly dequantized weights times the f32 activations, against the same product in double. */
    @ParameterizedTest
    @EnumSource(GGMLType.class)
    void noneRoundingIsExactF32Arithmetic(GGMLType type) {
        Random rnd = new Random(300 + type.ordinal());
        int rows = 7;
        int cols = type.blockSize == 1 ? 72 : 512;
        int n = 5;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
            WeightMatrix m = WeightMatrix.of("w", type, data, rows, cols, ActivationRounding.NONE);
            float[] x = gaussian(rnd, n * cols);
            float[] out = new float[n * rows];
            m.matmul(TWO, x, n, out);
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                Dequantizer.dequantize(type, data, r * type.bytesFor(cols), row, 0, cols);
                for (int t = 0; t < n; t++) {
                    double exact = 0;
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        exact += (double) row[c] * x[t * cols + c];
                        magnitude += Math.abs((double) row[c] * x[t * cols + c]);
                    }
                    assertEquals(exact, out[t * rows + r], 1e-5 * magnitude, type + " t=" + t + " r=" + r);
                }
            }
        }
    }

    @Test
    void llamaCppRoundingDiffersFromExactArithmetic() {
        // Guards against a kernel silently skipping the activation conversion: Q8_0-rounded activations move
        // the result by about 0.5% of its scale (spec section 2.4), far more than f32 rounding.
        Random rnd = new Random(7);
        int cols = 2048;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(GGMLType.Q4_0, cols, rnd, arena);
            float[] x = gaussian(rnd, cols);
            float[] llama = new float[1];
            float[] exact = new float[1];
            WeightMatrix.of("w", GGMLType.Q4_0, data, 1, cols, ActivationRounding.LLAMA_CPP).matmul(ONE, x, 1, llama);
            WeightMatrix.of("w", GGMLType.Q4_0, data, 1, cols, ActivationRounding.NONE).matmul(ONE, x, 1, exact);
            double magnitude = ScalarKernels.dot(GGMLType.Q4_0, data, 0, x, 0, cols).magnitude();
            assertTrue(Math.abs(llama[0] - exact[0]) > 1e-5 * magnitude, llama[0] + " vs " + exact[0]);
        }
    }

    @Test
    void dequantizeRowReadsTheRightRow() {
        Random rnd = new Random(8);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(GGMLType.Q6_K, 3 * 512, rnd, arena);
            WeightMatrix m = WeightMatrix.of("w", GGMLType.Q6_K, data, 3, 512, ActivationRounding.LLAMA_CPP);
            float[] all = new float[3 * 512];
            Dequantizer.dequantize(GGMLType.Q6_K, data, 0, all, 0, all.length);
            float[] row = new float[520];
            m.dequantizeRow(2, row, 8);
            assertArrayEquals(Arrays.copyOfRange(all, 1024, 1536), Arrays.copyOfRange(row, 8, 520), 0f);
        }
    }

    /**
     * A row table (an embedding table, kept in place) decodes the same rows as get_rows and multiplies like the
     * interleaved copy with unrounded activations: both dequantize exactly, so the products agree bit for bit.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q4_0", "Q4_K", "Q6_K", "Q8_0"})
    void rowTableDecodesAndMultipliesLikeTheInterleavedCopy(GGMLType type) {
        Random rnd = new Random(11);
        int rows = 21;
        int cols = 512;
        int n = 9;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
            WeightMatrix table = WeightMatrix.rowTable("per_layer_token_embd.weight", type, data, rows, cols);
            WeightMatrix copy = WeightMatrix.of("w", type, data, rows, cols, ActivationRounding.NONE);
            float[] expected = new float[cols];
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                Dequantizer.dequantize(type, data, r * type.bytesFor(cols), expected, 0, cols);
                table.dequantizeRow(r, row, 0);
                assertArrayEquals(expected, row, 0f, type + " row " + r);
            }
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            float[] fromTable = new float[n * rows];
            float[] fromCopy = new float[n * rows];
            table.matmul(TWO, x, n, fromTable);
            copy.matmul(TWO, x, n, fromCopy);
            assertArrayEquals(fromCopy, fromTable, 0f, type.toString());
        }
    }

    @Test
    void badShapesNameTheTensor() {
        MemorySegment data = MemorySegment.ofArray(new byte[144 * 2]);
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> WeightMatrix.of("blk.3.ffn_up.weight", GGMLType.Q4_K, data, 3, 256, ActivationRounding.LLAMA_CPP));
        assertTrue(size.getMessage().contains("blk.3.ffn_up.weight") && size.getMessage().contains("288"), size.getMessage());
        IllegalArgumentException blocks = assertThrows(IllegalArgumentException.class,
                () -> WeightMatrix.of("blk.0.attn_q.weight", GGMLType.Q4_K, data, 1, 288, ActivationRounding.LLAMA_CPP));
        assertTrue(blocks.getMessage().contains("blk.0.attn_q.weight") && blocks.getMessage().contains("256"), blocks.getMessage());
        WeightMatrix m = WeightMatrix.of("w.weight", GGMLType.Q4_K, data, 2, 256, ActivationRounding.LLAMA_CPP);
        IllegalArgumentException call = assertThrows(IllegalArgumentException.class, () -> m.matmul(ONE, new float[256], 2, new float[4]));
        assertTrue(call.getMessage().contains("w.weight"), call.getMessage());
        assertEquals("w.weight Q4_K [2 x 256]", m.toString());
    }
}
