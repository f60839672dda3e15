package dev.gemmaspark.engine.audio;

/**
 * Cosine in float32 as NumPy computes it for float32 arrays on x86-64 and ARM (its vectorised Cody-Waite
 * reduction to [-pi/4, pi/4] and minimax polynomials, with the fused multiply-adds the compiler forms). HF builds
 * the front end's Hann window with it, and the last ulp of that window moves low-energy log-mel values by up to
 * 5e-3, so the window is reproduced bit for bit rather than taken from a correctly rounded cosine.
 */
final class Float32Cosine {
    /** Beyond this NumPy falls back to libm; the window only needs [0, 2 pi). */
    private static final float MAX_ARGUMENT = 71476.0625f;
    private static final float TWO_OVER_PI = 0x1.45f306p-1f;
    private static final float PI_OVER_2_HIGH = -0x1.921fb0p+00f;
    private static final float PI_OVER_2_MID = -0x1.5110b4p-22f;
    private static final float PI_OVER_2_LOW = -0x1.846988p-48f;
    /** Adding and subtracting 1.5 * 2^23 rounds to the nearest integer. */
    private static final float ROUNDING_MAGIC = 0x1.800000p+23f;

    private Float32Cosine() {
    }

    static float cos(float x) {
        if (!(Math.abs(x) <= MAX_ARGUMENT)) {
            throw new IllegalArgumentException("argument out of range: " + x);
        }
        float quadrant = Math.fma(x, TWO_OVER_PI, ROUNDING_MAGIC) - ROUNDING_MAGIC;
        float r = Math.fma(quadrant, PI_OVER_2_HIGH, x);
        r = Math.fma(quadrant, PI_OVER_2_MID, r);
        r = Math.fma(quadrant, PI_OVER_2_LOW, r);
        float r2 = r * r;
        int q = (int) quadrant + 1;
        float v;
        if ((q & 1) == 0) {
            float s = Math.fma(0x1.7d3bbcp-19f, r2, -0x1.a06bbap-13f);
            s = Math.fma(s, r2, 0x1.11119ap-07f);
            s = Math.fma(s, r2, -0x1.555556p-03f);
            v = Math.fma(s * r2, r, r);
        } else {
            float c = Math.fma(0x1.98e616p-16f, r2, -0x1.6c06dcp-10f);
            c = Math.fma(c, r2, 0x1.55553cp-05f);
            c = Math.fma(c, r2, -0.5f);
            v = Math.fma(c, r2, 1f);
        }
        return (q & 2) == 2 ? -v : v;
    }
}
