package dev.gemmaspark.engine.quant;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.SpecDequantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightQuantizerTest {

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static double relativeL2(float[] want, float[] got) {
        double err = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            err += (double) (got[i] - want[i]) * (got[i] - want[i]);
            norm += (double) want[i] * want[i];
        }
        return Math.sqrt(err / norm);
    }

    /** Bounds from the issue; the lower bounds catch a quantizer that is far better than its bits allow. */
    @ParameterizedTest
    @CsvSource({"Q8_0, 0.001, 0.01", "Q6_K, 0.005, 0.03", "Q4_K, 0.03, 0.12", "Q4_0, 0.03, 0.12",
            "F16, 0, 0.001", "BF16, 0, 0.005"})
    void roundTripOfGaussianDataStaysWithinTheTypesErrorBound(GGMLType type, double min, double max) {
        float[] x = gaussian(1 << 16, 42);
        byte[] q = WeightQuantizer.quantize(type, x);
        assertEquals(type.bytesFor(x.length), q.length);
        double err = relativeL2(x, SpecDequantizer.dequantize(type, q, x.length));
        assertTrue(err > min && err < max, type + " relative L2 error " + err);
    }

    @Test
    void f32IsPassedThroughBitForBit() {
        float[] x = {1.5f, -0f, Float.MIN_VALUE, Float.NaN, -3e38f, 7f, 0.1f, Float.NEGATIVE_INFINITY};
        assertArrayEquals(x, SpecDequantizer.dequantize(GGMLType.F32, WeightQuantizer.quantize(GGMLType.F32, x), 8));
        assertEquals("0000c03f", HexFormat.of().formatHex(WeightQuantizer.quantize(GGMLType.F32, x), 0, 4));
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between two bf16 values and rounds to the even one (1.0); 1 + 3*2^-8 rounds up.
        float[] x = {1f + 0x1p-8f, 1f + 3 * 0x1p-8f};
        assertEquals("803f823f", HexFormat.of().formatHex(WeightQuantizer.quantize(GGMLType.BF16, x)));
    }

    @Test
    void q8_0BlockBytesByHand() {
        float[] x = new float[32];
        float[] head = {127f, -2.5f, 2.5f, 0.49f, -0.51f, 3.7f, -100.2f, 0f};
        System.arraycopy(head, 0, x, 0, head.length);
        for (int j = 8; j < 32; j++) {
            x[j] = j - 20;
        }
        // amax 127 gives d = 1.0 (fp16 0x3C00); values are rounded half away from zero, as C's roundf does.
        String want = "003c" + "7f" + "fd" + "03" + "00" + "ff" + "04" + "9c" + "00"
                + "f4f5f6f7f8f9fafbfcfdfeff000102030405060708090a0b";
        assertEquals(want, HexFormat.of().formatHex(WeightQuantizer.quantize(GGMLType.Q8_0, x)));
    }

    @Test
    void q4_0BlockBytesByHand() {
        float[] x = new float[32];
        float[] low = {-8f, 7.6f, -0.5f, 0.49f, 3f, -7.9f, -3.2f, 1.5f};
        float[] high = {7f, -1f, 2f, -6.6f};
        System.arraycopy(low, 0, x, 0, low.length);
        System.arraycopy(high, 0, x, 16, high.length);
        Arrays.fill(x, 20, 32, 0.25f);
        // The value of largest magnitude is -8, so d = -8 / -8 = 1.0; nibble = min(15, trunc(x / d + 8.5)).
        String want = "003c" + "f0" + "7f" + "a8" + "18" + "8b" + "80" + "85" + "8a" + "8888888888888888";
        assertEquals(want, HexFormat.of().formatHex(WeightQuantizer.quantize(GGMLType.Q4_0, x)));
    }

    @ParameterizedTest
    @CsvSource({"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void zeroBlocksDequantizeToZero(GGMLType type) {
        float[] x = new float[512];
        assertArrayEquals(x, SpecDequantizer.dequantize(type, WeightQuantizer.quantize(type, x), x.length), 0f);
    }

    @Test
    void q4_KKeepsAConstantPositiveBlockClose() {
        // All values positive: the min is clamped to 0 and only the scale carries the value.
        float[] x = new float[256];
        Arrays.fill(x, 0.75f);
        float[] y = SpecDequantizer.dequantize(GGMLType.Q4_K, WeightQuantizer.quantize(GGMLType.Q4_K, x), 256);
        for (float v : y) {
            assertEquals(0.75f, v, 0.75f * 2e-3f);
        }
    }

    @Test
    void quantizesIntoAnOffsetRangeOfLargerArrays() {
        float[] x = gaussian(3 * 256, 7);
        byte[] dst = new byte[5 + 2 * 210];
        WeightQuantizer.quantize(GGMLType.Q6_K, x, 256, 512, dst, 5);
        byte[] direct = WeightQuantizer.quantize(GGMLType.Q6_K, Arrays.copyOfRange(x, 256, 768));
        assertArrayEquals(direct, Arrays.copyOfRange(dst, 5, dst.length));
    }

    @Test
    void rejectsPartialBlocksAndUnsupportedTypes() {
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                () -> WeightQuantizer.quantize(GGMLType.Q4_K, new float[300]));
        assertTrue(partial.getMessage().contains("Q4_K") && partial.getMessage().contains("300"),
                partial.getMessage());
        IllegalArgumentException unsupported = assertThrows(IllegalArgumentException.class,
                () -> WeightQuantizer.quantize(GGMLType.Q5_0, new float[32]));
        assertTrue(unsupported.getMessage().contains("Q5_0"), unsupported.getMessage());
    }
}
