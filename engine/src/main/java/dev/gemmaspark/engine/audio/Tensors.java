package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import dev.gemmaspark.engine.quant.Dequantizer;

/**
 * Binds audio tensors with their expected HF shapes: matrices stay in the mapped file (F32, BF16 and F16 multiplied
 * in exact F32 arithmetic as the reference does; quantized types with llama.cpp's activation rounding), small
 * vectors are copied out as floats. The encoder multiplies many frames at a time, so it always takes {@link
 * WeightMatrix#matmulDequantized}, the matrix-product path.
 */
final class Tensors {
    private Tensors() {
    }

    /** A linear layer's {@code [out, in]} weight. */
    static WeightMatrix matrix(AudioWeights weights, String name, int rows, int cols) {
        return wrap(weights.matrix(name, rows, cols), rows, cols);
    }

    /** A conv2d weight {@code [out, in, kh, kw]} as the matrix {@code [out, in*kh*kw]} (same bytes, same order). */
    static WeightMatrix conv(AudioWeights weights, String name, int out, int in, int kh, int kw) {
        return wrap(weights.tensor(name, out, in, kh, kw), out, in * kh * kw);
    }

    static float[] vector(AudioWeights weights, String name, long... shape) {
        AudioWeights.Stored t = weights.tensor(name, shape);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] out = new float[(int) n];
        Dequantizer.dequantize(t.type(), t.data(), 0, out, 0, out.length);
        return out;
    }

    private static WeightMatrix wrap(AudioWeights.Stored t, int rows, int cols) {
        ActivationRounding rounding = t.type().isQuantized() ? ActivationRounding.LLAMA_CPP : ActivationRounding.NONE;
        return WeightMatrix.of(t.name(), t.type(), t.data(), rows, cols, rounding);
    }
}
