package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static final float CAP = 30f;

    /** Logits from tiny to far past the cap, both signs: within 3 ulps of the correctly rounded soft-capping. */
    @Test
    void softcapIsTanhWithinThreeUlps() {
        Random rnd = new Random(7);
        float[] x = new float[10_007];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(8) - 5));
        }
        x[0] = 0f;
        x[1] = -0f;
        x[2] = 1e4f;
        x[3] = -1e4f;
        float[] capped = x.clone();
        VectorMath.softcap(capped, 0, capped.length, CAP);
        for (int i = 0; i < x.length; i++) {
            float exact = (float) StrictMath.tanh(x[i] * (1.0f / CAP)) * CAP;
            assertTrue(Math.abs(capped[i] - exact) <= 3 * Math.ulp(exact),
                    "softcap(" + x[i] + ") = " + capped[i] + ", correctly rounded " + exact);
        }
        assertEquals(CAP, capped[2]);
        assertEquals(-CAP, capped[3]);
        assertEquals(0f, capped[0]);
    }

    /** An element's result is the same whichever range, offset or partial last vector it is computed in. */
    @Test
    void softcapDoesNotDependOnTheRange() {
        Random rnd = new Random(8);
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * 20f;
        }
        float[] whole = x.clone();
        VectorMath.softcap(whole, 0, whole.length, CAP);
        for (int[] range : new int[][] {{3, 997}, {1, 5}, {17, 600}, {999, 1}}) {
            float[] part = x.clone();
            VectorMath.softcap(part, range[0], range[1], CAP);
            int end = range[0] + range[1];
            assertEquals(Arrays.toString(Arrays.copyOfRange(whole, range[0], end)),
                    Arrays.toString(Arrays.copyOfRange(part, range[0], end)), "range " + Arrays.toString(range));
            assertEquals(Arrays.toString(Arrays.copyOfRange(x, end, x.length)),
                    Arrays.toString(Arrays.copyOfRange(part, end, x.length)), "past range " + Arrays.toString(range));
        }
    }
}
