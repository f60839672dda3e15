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
        float[] head = {127f, -2.5f, 2.5f, 0.49999997f, -0.51f, 3.7f, -100.2f, 0f};
        System.arraycopy(head, 0, x, 0, head.length);
        for (int j = 8; j < 32; j++) {
            x[j] = j - 20;
        }
        // amax 127 gives d = 1.0 (fp16 0x3C00); values are rounded half away from zero, as C's roundf does, and
        // the largest float below 0.5 rounds to 0.
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

    /**
     * Two super-blocks (N(0,1)-like values; then values 50 times smaller with an all-zero and a constant stretch)
     * and the bytes llama.cpp's quantize_row_q4_K_ref / quantize_row_q6_K_ref (commit de3ff815ea7d) make of them.
     */
    private static float[] llamaCppReferenceInput() {
        float[] x = new float[512];
        long s = 2024;
        for (int i = 0; i < x.length; i++) {
            float sum = 0;
            for (int k = 0; k < 4; k++) {
                s = s * 6364136223846793005L + 1442695040888963407L;
                sum += (s >>> 40) / (float) (1 << 24);
            }
            x[i] = (sum - 2) * 1.7320508f;
        }
        for (int i = 256; i < 512; i++) {
            x[i] *= 0.02f;
        }
        Arrays.fill(x, 288, 320, 0f);
        Arrays.fill(x, 352, 368, 0.5f);
        return x;
    }

    private static final String LLAMA_CPP_Q4_K = """
            2d1d9829fdf5f4b5b3ee9e70d2fafffa95d6a7bf80e458949468af989a9567251cc3da7877f462568307c54e2085b56c
            57b500ab47356e5820d6316842a1398155274c68a3450755cb78f6515289b2c495a58983abb651f04a98a2cc77f99ac6
            cab8c85994e9d3459cf3c805ec7dc88fc30764c0d8f6a85c2845ce5249b3b4e2b5803303e969a5c343a83225a7dd9685
            e91097110800093ff680e8ead8f969f900070a0d060c09060f0908090d08090b0a04080503080f040a0c03070d0e0805
            e7e8eceae5e5efece3e5e1e8e5e6e6e51613170022051310011b1910101406184c353c87099a52271f4a9af698256b78
            497a571b300a8667657842b54574ad7c79823797d25067efd7c6320597c4787457767958588512947699b75c35b27742
            """;

    private static final String LLAMA_CPP_Q6_K = """
            980600a1abfb1e6d1cdce35f95ea12e9e37c0b22af0469eb6e01d72ce1d5d85647d6059d2fc07d5b7a68d5792aa7b93b
            59ad0a9473f1076b0cdfcd3e382cc117e3c695ac8d17a690b8820a4f7ce3991886ff1eec3f4c64fd2c746e7cce172070
            b49d17a87d0a15711d82bb648d04e024f8a7e9b10f000cae8e22f9112e6a7a8c56a236805712495636d9245565a61aae
            5f10425aa9211859c45ed17b6c85a5eb29d5aa3816255c80deaa04b699622a352979b9e5169d6b22b45fb9e258046a64
            77974f5f6f54a09fa35456807161514c9891916c9af6f91006a98b16df5415e2b51db6c1609e13fdc161561eb3739846
            bf0d00000000000000000000000000000000e090a06020a0d0505050f0f09090b0d0822d101642c700071d562682efbf
            cadb43b3bb68a14307ebc1df49f2314f4f1bc70bd86b535883ad6f05c601550cdedc44b6dd1650211953d247d44ca8d8
            c9f810110203112302012322211223121222116352f233d16073f14003727060d1525bb82ba5fe7668c9ebea362195e8
            5665665a65626492098959a9a47d15886e0a0af70000f3f780f5080bf208f5070b0a0008
            """;

    @ParameterizedTest
    @CsvSource({"Q4_K", "Q6_K"})
    void kQuantsAreByteForByteThoseOfLlamaCpp(GGMLType type) {
        String want = (type == GGMLType.Q4_K ? LLAMA_CPP_Q4_K : LLAMA_CPP_Q6_K).replaceAll("\\s", "");
        assertEquals(want, HexFormat.of().formatHex(WeightQuantizer.quantize(type, llamaCppReferenceInput())));
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
