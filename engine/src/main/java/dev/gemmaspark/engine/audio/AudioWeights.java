package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The audio tower's and embedder's tensors, asked for by their HF checkpoint names and HF shapes, wherever they
 * are stored: a safetensors checkpoint or a GGUF file under llama.cpp's converter names.
 */
interface AudioWeights {
    /** A tensor's bytes in the mapped file, row-major in its HF shape. */
    record Stored(String name, GGMLType type, MemorySegment data) {
    }

    /** The tensor; throws naming the file and tensor when it is missing or its shape differs from {@code shape}. */
    Stored tensor(String hfName, long... shape);

    /** A linear layer's {@code [rows, cols]} weight, for a matrix product; by default the tensor as stored. */
    default Stored matrix(String hfName, long rows, long cols) {
        return tensor(hfName, rows, cols);
    }

    /**
     * Whether two shapes agree once size-1 dimensions are dropped (converters squeeze some, e.g. the depthwise
     * convolution's {@code [C, 1, K]}).
     */
    static boolean sameShape(long[] a, long[] b) {
        return Arrays.equals(Arrays.stream(a).filter(d -> d != 1).toArray(), Arrays.stream(b).filter(d -> d != 1).toArray());
    }
}
