package dev.gemmaspark.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise and row-wise float operations of the forward pass, with ggml-cpu's numerics where they
 * matter: reductions accumulate in double and round to float once, GELU can go through llama.cpp's
 * F16 table, and transcendental functions are evaluated in double and rounded (as close to the
 * correctly rounded {@code expf}/{@code tanhf} of libm as Java gets).
 *
 * <p>Results are reproducible bit for bit from run to run: transcendental functions come from
 * {@link StrictMath} (the {@link Math} versions may differ between interpreted and compiled code), and
 * vector lanes are summed in lane order rather than with {@code reduceLanes}, whose order is unspecified.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final float SQRT_2_OVER_PI = 0.7978845608f;
    private static final float GELU_COEF_A = 0.044715f;
    /** {@code fp16(gelu(fp16_to_f32(i)))} for every F16 bit pattern i, as ggml-cpu's {@code ggml_table_gelu_f16}. */
    private static final float[] GELU_F16_TABLE = new float[1 << 16];

    static {
        for (int i = 0; i < GELU_F16_TABLE.length; i++) {
            float x = Float.float16ToFloat((short) i);
            GELU_F16_TABLE[i] = Float.float16ToFloat(Float.floatToFloat16(gelu(x)));
        }
    }

    private VectorMath() {
    }

    /** GELU, tanh approximation, in F32 (ggml's {@code ggml_gelu_f32}). */
    public static float gelu(float x) {
        return 0.5f * x * (1.0f + tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
    }

    /** GELU as ggml-cpu computes it by default: input and output rounded to F16 through a table. */
    public static float geluF16Table(float x) {
        if (x <= -10.0f) {
            return 0.0f;
        }
        if (x >= 10.0f) {
            return x;
        }
        return GELU_F16_TABLE[Float.floatToFloat16(x) & 0xFFFF];
    }

    /** In place: {@code x[off..off+n) = gelu(x)}, through the F16 table unless {@code exact}. */
    public static void gelu(float[] x, int off, int n, boolean exact) {
        if (exact) {
            for (int i = off; i < off + n; i++) {
                x[i] = gelu(x[i]);
            }
        } else {
            for (int i = off; i < off + n; i++) {
                x[i] = geluF16Table(x[i]);
            }
        }
    }

    public static float tanh(float x) {
        return (float) StrictMath.tanh(x);
    }

    /** Sum of squares accumulated in double (ggml's {@code sum += (ggml_float)(x*x)}), rounded to float. */
    public static double sumOfSquares(float[] x, int off, int n) {
        double sum = 0.0;
        for (int i = off; i < off + n; i++) {
            float v = x[i] * x[i];
            sum += v;
        }
        return sum;
    }

    /**
     * RMS norm as ggml: {@code out = (x * (1/sqrtf(mean(x^2) + eps))) * w}, mean in double rounded to
     * float. {@code w} may be null (weightless norm). In place when {@code out == x} and offsets match.
     */
    public static void rmsNorm(float[] x, int xOff, float[] w, float[] out, int outOff, int n, float eps) {
        float mean = (float) (sumOfSquares(x, xOff, n) / n);
        float scale = 1.0f / (float) Math.sqrt(mean + eps);
        if (w == null) {
            scale(x, xOff, scale, out, outOff, n);
            return;
        }
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector s = FloatVector.broadcast(F, scale);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i).mul(s).mul(FloatVector.fromArray(F, w, i));
            v.intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = (x[xOff + i] * scale) * w[i];
        }
    }

    /** {@code out = x * s}. */
    public static void scale(float[] x, int xOff, float s, float[] out, int outOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector sv = FloatVector.broadcast(F, s);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).mul(sv).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = x[xOff + i] * s;
        }
    }

    /** {@code out = a + b}. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, aOff + i).add(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    /** {@code out = a * b} element-wise. */
    public static void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, aOff + i).mul(FloatVector.fromArray(F, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    /** Plain F32 dot product (vector lanes, then a lane reduction). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = sumLanes(acc);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    /** The lanes of {@code v} added in lane order: the same result in interpreted and compiled code. */
    public static float sumLanes(FloatVector v) {
        float sum = 0f;
        for (int i = 0; i < v.length(); i++) {
            sum += v.lane(i);
        }
        return sum;
    }

    /** {@code y += a * x}. */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /**
     * Rotates one head in place, NEOX style (pairs {@code (i, i + dim/2)}), at position {@code pos}. The
     * angles follow ggml's float recurrence {@code theta_{i+1} = theta_i * theta_scale}, not a closed form.
     */
    public static void ropeNeox(float[] x, int off, int dim, int pos, float thetaScale) {
        int half = dim / 2;
        float theta = pos;
        for (int i = 0; i < half; i++) {
            float c = (float) StrictMath.cos(theta);
            float s = (float) StrictMath.sin(theta);
            float x0 = x[off + i];
            float x1 = x[off + i + half];
            x[off + i] = x0 * c - x1 * s;
            x[off + i + half] = x0 * s + x1 * c;
            theta *= thetaScale;
        }
    }

    /** ggml's {@code theta_scale = powf(base, -2.0f/n_dims)}. */
    public static float ropeThetaScale(float base, int dim) {
        return (float) StrictMath.pow(base, -2.0f / dim);
    }

    /**
     * In-place softmax of {@code x[off..off+n)} as ggml: subtract the max, {@code expf}, sum in double,
     * multiply by {@code 1/sum}.
     */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0.0;
        for (int i = off; i < off + n; i++) {
            float e = (float) StrictMath.exp(x[i] - max);
            x[i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = off; i < off + n; i++) {
            x[i] *= inv;
        }
    }
}
