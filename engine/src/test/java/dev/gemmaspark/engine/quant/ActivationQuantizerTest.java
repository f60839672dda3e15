package dev.gemmaspark.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Hand examples for the x86 activation quantizers (spec section 2.3), ties included. */
class ActivationQuantizerTest {

    @Test
    void q8_0RoundsHalfToEvenWithScaleFromAbsMax() {
        float[] x = new float[32];
        x[0] = 254; // amax: d = 254/127 = 2, multiplier 127/254 = 0.5
        x[1] = 1; // 0.5 -> 0
        x[2] = 3; // 1.5 -> 2
        x[3] = 5; // 2.5 -> 2
        x[4] = -3; // -1.5 -> -2
        x[5] = -5; // -2.5 -> -2
        x[6] = 7.2f; // 3.6 -> 4
        x[7] = -254; // -127
        float[] q = new float[32];
        float[] d = new float[1];
        ActivationQuantizer.q8_0(x, 0, 1, q, 0, d, 0);
        assertEquals(2f, d[0], 0f);
        float[] expected = new float[32];
        float[] head = {127, 0, 2, 2, -2, -2, 4, -127};
        System.arraycopy(head, 0, expected, 0, head.length);
        assertArrayEquals(expected, q, 0f);
    }

    @Test
    void q8_0ScaleIsRoundedToFp16ButValuesUseTheF32Multiplier() {
        float[] x = new float[64];
        x[32] = 1f; // second block: amax 1, d = fp16(1/127)
        x[33] = 0.5f; // 63.5 -> 64 (half to even)
        x[34] = -0.25f; // -31.75 -> -32
        float[] q = new float[64];
        float[] d = new float[2];
        ActivationQuantizer.q8_0(x, 0, 2, q, 0, d, 0);
        assertEquals(0f, d[0], 0f); // all-zero block
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1f / 127f)), d[1], 0f);
        assertEquals(0.007873535f, d[1], 0f);
        assertEquals(127f, q[32], 0f);
        assertEquals(64f, q[33], 0f);
        assertEquals(-32f, q[34], 0f);
        for (int j = 0; j < 32; j++) {
            assertEquals(0f, q[j], 0f);
        }
    }

    @Test
    void q8_1AddsFp16OfScaleTimesSum() {
        float[] x = new float[32];
        x[0] = 127;
        x[1] = 2.5f; // ties to 2
        x[2] = -100;
        float[] q = new float[32];
        float[] d = new float[1];
        float[] s = new float[1];
        ActivationQuantizer.q8_1(x, 0, 1, q, 0, d, 0, s, 0);
        assertEquals(1f, d[0], 0f);
        assertEquals(2f, q[1], 0f);
        assertEquals(127 + 2 - 100, s[0], 0f);

        x[0] = 12.7f; // d_f32 = 12.7f/127 = 0.1f, multiplier 127/12.7f = 10f
        x[1] = 0.05f; // 0.05f*10 rounds to exactly 0.5 in f32, then to 0 (half to even)
        x[2] = -12.7f;
        x[3] = 0.2f; // 2
        ActivationQuantizer.q8_1(x, 0, 1, q, 0, d, 0, s, 0);
        assertEquals(127f, q[0], 0f);
        assertEquals(0f, q[1], 0f);
        assertEquals(-127f, q[2], 0f);
        assertEquals(2f, q[3], 0f);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(0.1f)), d[0], 0f);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(12.7f / 127f * 2)), s[0], 0f); // sum of q = 2
    }

    @Test
    void q8_kTakesTheSignedValueOfLargestMagnitude() {
        float[] x = new float[256];
        x[0] = 10; // first of the two largest magnitudes wins: max = +10, iscale = -12.7
        x[5] = -10;
        x[17] = 5; // -63.5 -> -64 (half to even)
        x[18] = 2.5f; // -31.75 -> -32
        float[] q = new float[256];
        float[] d = new float[1];
        int[] bsums = new int[16];
        ActivationQuantizer.q8_K(x, 0, 1, q, 0, d, 0, bsums, 0);
        assertEquals(-127f, q[0], 0f);
        assertEquals(127f, q[5], 0f);
        assertEquals(-64f, q[17], 0f);
        assertEquals(-32f, q[18], 0f);
        assertEquals(1 / (-127f / 10f), d[0], 0f);
        assertEquals(0, bsums[0]);
        assertEquals(-96, bsums[1]);
        for (int g = 2; g < 16; g++) {
            assertEquals(0, bsums[g]);
        }
    }

    @Test
    void q8_kTiesAndNegativeMax() {
        float[] x = new float[512];
        x[256] = -127; // second block: max -127, iscale exactly 1, d 1
        x[257] = 2.5f; // 2 (half to even)
        x[258] = 3.5f; // 4
        x[259] = -0.5f; // -0
        x[300] = 126.5f; // 126
        float[] q = new float[512];
        float[] d = new float[2];
        int[] bsums = new int[32];
        ActivationQuantizer.q8_K(x, 0, 2, q, 0, d, 0, bsums, 0);
        assertEquals(0f, d[0], 0f); // all-zero block
        assertEquals(1f, d[1], 0f);
        assertEquals(-127f, q[256], 0f);
        assertEquals(2f, q[257], 0f);
        assertEquals(4f, q[258], 0f);
        assertEquals(0f, q[259], 0f);
        assertEquals(126f, q[300], 0f);
        assertEquals(-127 + 2 + 4, bsums[16]);
        assertEquals(126, bsums[16 + 2]); // element 300 is in group (300-256)/16 = 2
    }
}
