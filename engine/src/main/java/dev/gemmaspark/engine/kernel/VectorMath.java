package dev.gemmaspark.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
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
    /** Lane i to lane i ^ k, for {@link #sumPairwise}. */
    private static final VectorShuffle<Float> XOR8 = xor(8);
    private static final VectorShuffle<Float> XOR4 = xor(4);
    private static final VectorShuffle<Float> XOR2 = xor(2);
    private static final VectorShuffle<Float> XOR1 = xor(1);
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

    /**
     * In place: {@code x[off..off+n) = tanh(x * (1/cap)) * cap}, ggml's scale, tanh, scale (the final logit
     * soft-capping), with the vector {@link #tanh}: a scalar {@code StrictMath.tanh} per logit was 4% of a
     * 16-sequence step. The last partial vector goes through the same operations under a mask, so an element's
     * result does not depend on where in the range it lies.
     */
    public static void softcap(float[] x, int off, int n, float cap) {
        float inv = 1.0f / cap;
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            tanh(FloatVector.fromArray(F, x, off + i).mul(inv)).mul(cap).intoArray(x, off + i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            tanh(FloatVector.fromArray(F, x, off + i, m).mul(inv)).mul(cap).intoArray(x, off + i, m);
        }
    }

    /**
     * tanh within 3 ulps (Cephes' tanhf: an odd polynomial below |x| = 0.625, {@code 1 - 2/(exp(2|x|) + 1)}
     * above, exp by range reduction and a polynomial). Only IEEE arithmetic, so the result is the same interpreted
     * or compiled; the Vector API's own TANH is SVML once compiled and {@code Math.tanh} before, which differ.
     */
    public static FloatVector tanh(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector small = z.mul(-5.70498872745e-3f).add(2.06390887954e-2f).mul(z).sub(5.37397155531e-2f).mul(z)
                .add(1.33314422036e-1f).mul(z).sub(3.33332819422e-1f).mul(z).mul(x).add(x);
        FloatVector e = expOfPositive(x.abs().mul(2f).min(88f));
        FloatVector large = FloatVector.broadcast(x.species(), 1f).sub(FloatVector.broadcast(x.species(), 2f).div(e.add(1f)));
        FloatVector signed = large.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
        return small.blend(signed, x.abs().compare(VectorOperators.GE, 0.625f));
    }

    /** exp(y) for y in [0, 88] (Cephes' expf): y = n ln 2 + r, |r| <= ln 2 / 2, and 2^n put into the exponent. */
    private static FloatVector expOfPositive(FloatVector y) {
        IntVector ni = (IntVector) y.mul(1.44269504088896341f).add(0.5f).convert(VectorOperators.F2I, 0);
        FloatVector n = (FloatVector) ni.convert(VectorOperators.I2F, 0);
        FloatVector r = y.sub(n.mul(0.693359375f)).sub(n.mul(-2.12194440e-4f));
        FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f).mul(r).add(8.3334519073e-3f).mul(r)
                .add(4.1665795894e-2f).mul(r).add(1.6666665459e-1f).mul(r).add(5.0000001201e-1f).mul(r.mul(r)).add(r).add(1f);
        return p.reinterpretAsInts().add(ni.lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats();
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

    /**
     * The lanes of {@code v} (of the preferred species) added pairwise, halves first (lane i plus lane i + L/2, then
     * the same on the first half, down to one lane): a fixed order, the same in interpreted and compiled code, in two
     * vector instructions per halving where {@link #sumLanes} is a chain of one scalar add per lane. A layer's
     * attention over a 512-token prompt took 1.6 to 1.9 times as long with {@link #sumLanes} and the softmax's
     * scalar exp (docs/benchmarks.md).
     */
    public static float sumPairwise(FloatVector v) {
        FloatVector s = v;
        if (F.length() >= 16) {
            s = s.add(s.rearrange(XOR8));
        }
        if (F.length() >= 8) {
            s = s.add(s.rearrange(XOR4));
        }
        s = s.add(s.rearrange(XOR2));
        s = s.add(s.rearrange(XOR1));
        return s.lane(0);
    }

    /** {@link #sumPairwise(FloatVector)} of the vector at {@code a[off]}. */
    public static float sumPairwise(float[] a, int off) {
        return sumPairwise(FloatVector.fromArray(F, a, off));
    }

    private static VectorShuffle<Float> xor(int k) {
        return VectorShuffle.fromOp(F, i -> (i ^ k) % F.length());
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
     * The cos and sin of the {@code half} RoPE angles at position {@code pos}, into {@code cos[off..]} and
     * {@code sin[off..]}. The angles follow ggml's float recurrence {@code theta_{i+1} = theta_i * theta_scale},
     * not a closed form.
     */
    public static void ropeAngles(int pos, float thetaScale, int half, float[] cos, float[] sin, int off) {
        float theta = pos;
        for (int i = 0; i < half; i++) {
            cos[off + i] = (float) StrictMath.cos(theta);
            sin[off + i] = (float) StrictMath.sin(theta);
            theta *= thetaScale;
        }
    }

    /**
     * Rotates one head in place, NEOX style (pairs {@code (i, i + dim/2)}), by the angles of {@link #ropeAngles}
     * at {@code cos[angles..]} and {@code sin[angles..]}.
     */
    public static void ropeNeox(float[] x, int off, int dim, float[] cos, float[] sin, int angles) {
        int half = dim / 2;
        for (int i = 0; i < half; i++) {
            float c = cos[angles + i];
            float s = sin[angles + i];
            float x0 = x[off + i];
            float x1 = x[off + i + half];
            x[off + i] = x0 * c - x1 * s;
            x[off + i + half] = x0 * s + x1 * c;
        }
    }

    /** ggml's {@code theta_scale = powf(base, -2.0f/n_dims)}. */
    public static float ropeThetaScale(float base, int dim) {
        return (float) StrictMath.pow(base, -2.0f / dim);
    }

    /**
     * In-place softmax of {@code x[off..off+n)} as ggml's {@code ggml_vec_soft_max_f32}: subtract the max, {@link
     * #expf} a vector at a time, each vector's values summed in float ({@link #sumPairwise}) and the vectors' sums in
     * double, then multiply by {@code 1/sum}. Elements past the last whole vector take the same {@code expf} one at a
     * time and add to the sum in double.
     */
    public static void softmax(float[] x, int off, int n) {
        normalizeExp(x, off, n, max(x, off, n));
    }

    /**
     * In place, ggml's {@code ggml_soft_max_ext} of {@code x[off..off+n)} with a scale: the row times {@code scale},
     * then {@link #softmax(float[], int, int)}. The scaling and the max are one pass.
     */
    public static void softmax(float[] x, int off, int n, float scale) {
        normalizeExp(x, off, n, scaleAndMax(x, off, n, scale));
    }

    /*
     * The passes are methods of their own, each with its vectors inside it: with the three loops in one method, C2 at
     * times reached its node limit while inlining (NodeCountInliningCutoff) and called sumPairwise out of line, which
     * boxed every vector (12 GB of float[] in one `bench --image` run, docs/benchmarks.md).
     */
    private static void normalizeExp(float[] x, int off, int n, float max) {
        scale(x, off, (float) (1.0 / expAndSum(x, off, n, max)), x, off, n);
    }

    /** Four running maxima, not one: the max does not depend on the order, and one chain ran at 15 cycles a vector. */
    private static float max(float[] x, int off, int n) {
        int bound = F.loopBound(n);
        int step = 4 * F.length();
        FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
        int i = 0;
        for (; i + step <= bound; i += step) {
            m0 = m0.max(FloatVector.fromArray(F, x, off + i));
            m1 = m1.max(FloatVector.fromArray(F, x, off + i + F.length()));
            m2 = m2.max(FloatVector.fromArray(F, x, off + i + 2 * F.length()));
            m3 = m3.max(FloatVector.fromArray(F, x, off + i + 3 * F.length()));
        }
        for (; i < bound; i += F.length()) {
            m0 = m0.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    /** {@code x *= scale} in place, and the max of the products. */
    private static float scaleAndMax(float[] x, int off, int n, float scale) {
        int bound = F.loopBound(n);
        FloatVector m0 = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), m1 = m0;
        int i = 0;
        for (; i + 2 * F.length() <= bound; i += 2 * F.length()) {
            FloatVector a = FloatVector.fromArray(F, x, off + i).mul(scale);
            FloatVector b = FloatVector.fromArray(F, x, off + i + F.length()).mul(scale);
            a.intoArray(x, off + i);
            b.intoArray(x, off + i + F.length());
            m0 = m0.max(a);
            m1 = m1.max(b);
        }
        for (; i < bound; i += F.length()) {
            FloatVector a = FloatVector.fromArray(F, x, off + i).mul(scale);
            a.intoArray(x, off + i);
            m0 = m0.max(a);
        }
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            x[off + i] *= scale;
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    /** {@code x = e^(x - max)} in place; returns the sum in ggml's order. */
    private static double expAndSum(float[] x, int off, int n, float max) {
        int bound = F.loopBound(n);
        double sum = 0.0;
        for (int i = 0; i < bound; i += F.length()) {
            expf(FloatVector.fromArray(F, x, off + i).sub(max)).intoArray(x, off + i);
            sum += sumPairwise(x, off + i);
        }
        for (int i = bound; i < n; i++) {
            float e = expf(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }

    /*
     * e^x as ggml_v_expf computes it for AVX2 (ggml/src/ggml-cpu/vec.h, after ARM's optimized-routines): x = n ln 2
     * + b with n rounded, a degree-5 polynomial in b, 2^n put into the exponent bits; below -126 ln 2 and above 126
     * ln 2 the scaling is split in two factors, and past 192 ln 2 the result is 0 or infinity. Within 1.5 ulp of
     * e^x. Every operation is an IEEE one (fused multiply-adds as Math.fma), so the vector and scalar forms give the
     * same bits in every lane, interpreted or compiled.
     */
    private static final float EXP_ROUND = 0x1.8p23f;
    private static final float LOG2E = 0x1.715476p+0f;
    private static final float LN2_HI = 0x1.62e4p-1f;
    private static final float LN2_LO = 0x1.7f7d1cp-20f;
    private static final float C1 = 0x1.ffffecp-1f;
    private static final float C2 = 0x1.fffdb6p-2f;
    private static final float C3 = 0x1.555e66p-3f;
    private static final float C4 = 0x1.573e2ep-5f;
    private static final float C5 = 0x1.0e4020p-7f;
    private static final int ONE_BITS = Float.floatToRawIntBits(1f);

    /** e^x in each lane (see above). */
    public static FloatVector expf(FloatVector x) {
        FloatVector z = x.fma(LOG2E, EXP_ROUND);
        FloatVector n = z.sub(EXP_ROUND);
        FloatVector minusN = n.neg();
        FloatVector b = minusN.fma(FloatVector.broadcast(x.species(), LN2_LO),
                minusN.fma(FloatVector.broadcast(x.species(), LN2_HI), x));
        IntVector e = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
        FloatVector k = e.add(ONE_BITS).reinterpretAsFloats();
        FloatVector u = b.mul(b);
        FloatVector j = b.fma(C5, C4).fma(u, b.fma(C3, C2)).fma(u, b.mul(C1));
        FloatVector fast = k.fma(j, k);
        FloatVector magnitude = n.abs();
        VectorMask<Float> scaled = magnitude.compare(VectorOperators.GT, 126f);
        if (!scaled.anyTrue()) {
            return fast;
        }
        IntVector g = IntVector.zero(e.species())
                .blend(0x82000000, n.compare(VectorOperators.LE, 0f).cast(e.species()));
        FloatVector s1 = g.add(0x7f000000).reinterpretAsFloats();
        FloatVector s2 = e.sub(g).reinterpretAsFloats();
        FloatVector split = s2.fma(j, s2).mul(s1);
        return fast.blend(split, scaled).blend(s1.mul(s1), magnitude.compare(VectorOperators.GT, 192f));
    }

    /** e^x, the same operations as {@link #expf(FloatVector)} on one value. */
    public static float expf(float x) {
        float z = Math.fma(x, LOG2E, EXP_ROUND);
        float n = z - EXP_ROUND;
        float b = Math.fma(-n, LN2_LO, Math.fma(-n, LN2_HI, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + ONE_BITS);
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(b, C5, C4), u, Math.fma(b, C3, C2)), u, b * C1);
        float magnitude = Math.abs(n);
        if (magnitude <= 126f) {
            return Math.fma(k, j, k);
        }
        int g = n <= 0f ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - g);
        return magnitude > 192f ? s1 * s1 : Math.fma(s2, j, s2) * s1;
    }
}
