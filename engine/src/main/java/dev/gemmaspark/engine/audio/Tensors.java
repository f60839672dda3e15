package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import dev.gemmaspark.engine.safetensors.SafetensorsCheckpoint;
import dev.gemmaspark.engine.safetensors.SafetensorsTensor;

/**
 * Binds checkpoint tensors with their expected HF shapes: matrices stay in the mapped file (any of F32, BF16,
 * F16, multiplied in exact F32 arithmetic as the reference does), small vectors are copied out as floats.
 */
final class Tensors {
    private Tensors() {
    }

    /** A linear layer's {@code [out, in]} weight. */
    static WeightMatrix matrix(SafetensorsCheckpoint ckpt, String name, int rows, int cols) {
        return wrap(ckpt.tensor(name, rows, cols), rows, cols);
    }

    /** A conv2d weight {@code [out, in, kh, kw]} as the matrix {@code [out, in*kh*kw]} (same bytes, same order). */
    static WeightMatrix conv(SafetensorsCheckpoint ckpt, String name, int out, int in, int kh, int kw) {
        return wrap(ckpt.tensor(name, out, in, kh, kw), out, in * kh * kw);
    }

    static float[] vector(SafetensorsCheckpoint ckpt, String name, long... shape) {
        return ckpt.tensor(name, shape).toFloatArray();
    }

    private static WeightMatrix wrap(SafetensorsTensor t, int rows, int cols) {
        return WeightMatrix.of(t.name(), t.ggmlType(), t.data(), rows, cols, ActivationRounding.NONE);
    }
}
