package dev.gemmaspark.engine.quant;

/**
 * F16 and BF16 conversions as ggml does them. F16 uses the JDK's conversions (round to nearest even, the
 * same as F16C); BF16 narrowing follows {@code ggml_compute_fp32_to_bf16}: round to nearest even, and a NaN
 * becomes a quiet NaN rather than being rounded (which could turn it into an infinity).
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** {@code x} rounded to the nearest fp16 value (ties to even), widened back to float. */
    public static float roundToF16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    public static short toBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 64);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** {@code x} rounded to bf16, widened back to float. */
    public static float roundToBf16(float x) {
        return bf16ToFloat(toBf16(x));
    }
}
