package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import dev.gemmaspark.engine.quant.Dequantizer;
import java.util.Arrays;

/**
 * The tensors of an mmproj GGUF under the names llama.cpp's converter writes ({@code v.*}, {@code mm.*};
 * tools/mtmd/clip-impl.h), checked against the shapes the graph needs. Errors name the file and the tensor.
 * Shapes are ggml's, fastest dimension first: a conv kernel is {@code [KW, KH, IC, OC]}. Float weights are copied
 * to f32 (exactly: F16 and BF16 widen exactly) when first used, so the tower takes 4 bytes of heap per parameter
 * (1.2 GB for the real model's 294 M) once it has seen an image.
 */
final class VisionTensors {
    /** A full (not depthwise) convolution as the matrix {@code [OC][KH*KW*IC]}, columns in (ky, kx, ic) order. */
    record Conv(Linear matrix, int kernel, int in, int out) {
    }

    /** A depthwise kernel, transposed to {@code [ky][kx][c]} so that a tap multiplies a contiguous channel vector. */
    record Depthwise(float[] taps, int kernel, int channels) {
    }

    private final GGUFFile file;

    VisionTensors(GGUFFile file) {
        this.file = file;
    }

    GGUFFile file() {
        return file;
    }

    boolean has(String name) {
        return file.tensorOrNull(name) != null;
    }

    TensorInfo tensor(String name) {
        TensorInfo t = file.tensorOrNull(name);
        if (t == null) {
            throw new IllegalArgumentException(file.path() + ": missing vision tensor " + name);
        }
        return t;
    }

    /** Dimension {@code i} of a tensor (1 past its last). */
    long dim(String name, int i) {
        TensorInfo t = tensor(name);
        return i < t.ne().length ? t.ne()[i] : 1;
    }

    /** A norm weight, layer scale or bias of {@code n} elements (size-1 dimensions ignored), as floats. */
    float[] vector(String name, int n) {
        TensorInfo t = tensor(name);
        if (t.elementCount() != n || Arrays.stream(t.ne()).filter(d -> d != 1).count() > 1) {
            throw shapeError(t, n + " elements");
        }
        float[] out = new float[n];
        Dequantizer.dequantize(t.type(), t.data(), 0, out, 0, n);
        return out;
    }

    /**
     * A 1x1 convolution {@code [1, 1, in, out]} (or a plain matrix {@code [in, out]}): float types widened to f32
     * ({@link Linear}), a quantized matrix read in place.
     */
    Linear pointwise(String name, int in, int out) {
        TensorInfo t = tensor(name);
        boolean conv = t.ne().length == 4 && t.ne()[0] == 1 && t.ne()[1] == 1 && t.ne()[2] == in && t.ne()[3] == out;
        boolean plain = t.ne().length == 2 && t.ne()[0] == in && t.ne()[1] == out;
        if (!conv && !plain) {
            throw shapeError(t, "[1, 1, " + in + ", " + out + "]");
        }
        if (t.type().isQuantized()) {
            // llama-quantize's Q8_0 of mm.input_projection: ggml rounds the activations to Q8_0 for it
            return Linear.quantized(WeightMatrix.of(t.name(), t.type(), t.data(), out, in, ActivationRounding.LLAMA_CPP));
        }
        return Linear.of(t, out, in);
    }

    /**
     * A full k x k convolution {@code [k, k, in, out]} with {@code in} input channels ({@code in} < 0: any), in the
     * (oc, ky, kx, ic) order the channels-last patches are gathered in.
     */
    Conv conv(String name, int in) {
        TensorInfo t = tensor(name);
        long[] ne = t.ne();
        if (ne.length != 4 || ne[0] != ne[1] || (in >= 0 && ne[2] != in) || t.type().isQuantized()) {
            throw shapeError(t, "[k, k, " + (in >= 0 ? in : "C_in") + ", C_out] of a float type");
        }
        int k = (int) ne[0];
        int ic = (int) ne[2];
        int oc = (int) ne[3];
        int patch = k * k * ic;
        float[] stored = new float[oc * patch];
        Dequantizer.dequantize(t.type(), t.data(), 0, stored, 0, stored.length);
        float[] reordered = new float[stored.length];
        for (int o = 0; o < oc; o++) {
            for (int c = 0; c < ic; c++) {
                for (int ky = 0; ky < k; ky++) {
                    for (int kx = 0; kx < k; kx++) {
                        reordered[o * patch + (ky * k + kx) * ic + c] = stored[kx + k * (ky + k * (c + ic * o))];
                    }
                }
            }
        }
        return new Conv(Linear.of(reordered, oc, patch), k, ic, oc);
    }

    /** A depthwise kernel {@code [k, k, 1, channels]}. */
    Depthwise depthwise(String name, int channels) {
        TensorInfo t = tensor(name);
        long[] ne = t.ne();
        if (ne.length != 4 || ne[0] != ne[1] || ne[2] != 1 || ne[3] != channels || t.type().isQuantized()) {
            throw shapeError(t, "[k, k, 1, " + channels + "] of a float type");
        }
        int k = (int) ne[0];
        float[] stored = new float[k * k * channels];
        Dequantizer.dequantize(t.type(), t.data(), 0, stored, 0, stored.length);
        float[] taps = new float[stored.length];
        for (int c = 0; c < channels; c++) {
            for (int tap = 0; tap < k * k; tap++) {
                taps[tap * channels + c] = stored[c * k * k + tap];
            }
        }
        return new Depthwise(taps, k, channels);
    }

    IllegalArgumentException shapeError(TensorInfo t, String expected) {
        return new IllegalArgumentException(file.path() + ": vision tensor " + t.name() + " is " + t.type() + " "
                + t.shape() + " (ne), expected " + expected);
    }
}
