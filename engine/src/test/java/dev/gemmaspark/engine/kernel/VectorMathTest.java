package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
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

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * From far below the smallest normal result to past overflow: within 2 ulps of the correctly rounded e^x
     * (ggml's polynomial is within 1.5), 0 and infinity at the ends, and the same bits from the vector form in every
     * lane as from the scalar one.
     */
    @Test
    void expfIsExpWithinTwoUlpsInVectorsAndAlone() {
        Random rnd = new Random(9);
        float[] x = new float[F.length() * 4000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 200 - 110);
        }
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = -0f;
        x[2] = -87.4f;
        x[3] = -103.9f;
        x[4] = 88.7f;
        x[5] = 89f;
        x[6] = -150f;
        float[] v = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) {
            VectorMath.expf(FloatVector.fromArray(F, x, i)).intoArray(v, i);
        }
        for (int i = 0; i < x.length; i++) {
            float scalar = VectorMath.expf(x[i]);
            assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(v[i]), "lane " + i + ", x = " + x[i]);
            float exact = (float) StrictMath.exp(x[i]);
            assertTrue(scalar == exact || Math.abs(scalar - exact) <= 2 * Math.ulp(exact),
                    "expf(" + x[i] + ") = " + scalar + ", correctly rounded " + exact);
        }
        assertEquals(0f, v[0]);
        assertEquals(1f, v[1]);
        assertEquals(0f, v[6]);
        assertEquals(Float.POSITIVE_INFINITY, v[5]);
    }

    /** Lane i and lane i + L/2 first, down to four lanes, then (0 + 2) + (1 + 3): against that tree in scalars. */
    @Test
    void sumPairwiseAddsHalvesFirst() {
        Random rnd = new Random(10);
        float[] x = new float[F.length()];
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(6) - 3));
            }
            float[] s = x.clone();
            for (int half = s.length / 2; half >= 1; half /= 2) {
                for (int i = 0; i < half; i++) {
                    s[i] += s[i + half];
                }
            }
            assertEquals(s[0], VectorMath.sumPairwise(FloatVector.fromArray(F, x, 0)), Arrays.toString(x));
        }
    }

    /**
     * Against softmax in double, every length from 1 to five vectors and a tail (the max's four-vector loop and its
     * remainder), at an offset.
     */
    @Test
    void softmaxIsTheDoublePrecisionSoftmax() {
        Random rnd = new Random(11);
        for (int n = 1; n <= 5 * F.length() + 5; n++) {
            float[] x = new float[n + 3];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian() * 8f;
            }
            float[] y = x.clone();
            VectorMath.softmax(y, 3, n);
            assertSoftmaxInDouble(x, y, 3, n, 1.0);
            assertEquals(x[0], y[0]);
        }
    }

    /** ggml_soft_max_ext with a scale against the same in double, with a value whose e^x underflows. */
    @Test
    void scaledSoftmaxIsTheDoublePrecisionSoftmaxOfTheScaledRow() {
        Random rnd = new Random(12);
        for (int n = 1; n <= 5 * F.length() + 5; n++) {
            float[] x = new float[n + 2];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian() * 8f;
            }
            x[2 + n / 2] = -400f;
            float[] y = x.clone();
            VectorMath.softmax(y, 2, n, 0.5f);
            assertSoftmaxInDouble(x, y, 2, n, 0.5);
            assertEquals(x[1], y[1]);
        }
    }

    /** {@code y[off, off + n)} is softmax(scale x) of the same range of {@code x}, computed here in double. */
    private static void assertSoftmaxInDouble(float[] x, float[] y, int off, int n, double scale) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            max = Math.max(max, scale * x[i]);
        }
        double sum = 0;
        for (int i = off; i < off + n; i++) {
            sum += Math.exp(scale * x[i] - max);
        }
        for (int i = off; i < off + n; i++) {
            double exact = Math.exp(scale * x[i] - max) / sum;
            assertEquals(exact, y[i], 1e-6 * exact + 1e-12, "n = " + n + ", element " + i);
        }
    }

    /**
     * Bit for bit ggml's order, written out here one value at a time: the max, e^(x - max) by the scalar expf
     * (itself checked against e^x above), each whole vector's values added halves first in float, the vectors' sums
     * and the tail's values in double, every value times (float) (1 / sum).
     */
    @Test
    void softmaxAddsInGgmlsOrder() {
        Random rnd = new Random(13);
        int n = 4 * F.length() + 3;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian() * 5f;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        float[] e = new float[n];
        for (int i = 0; i < n; i++) {
            e[i] = VectorMath.expf(x[i] - max);
        }
        double sum = 0;
        int whole = n / F.length() * F.length();
        for (int v = 0; v < whole; v += F.length()) {
            float[] s = Arrays.copyOfRange(e, v, v + F.length());
            for (int half = s.length / 2; half >= 1; half /= 2) {
                for (int i = 0; i < half; i++) {
                    s[i] += s[i + half];
                }
            }
            sum += s[0];
        }
        for (int i = whole; i < n; i++) {
            sum += e[i];
        }
        float inv = (float) (1.0 / sum);
        float[] y = x.clone();
        VectorMath.softmax(y, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(e[i] * inv), Float.floatToRawIntBits(y[i]), "element " + i);
        }
    }
}
