package dev.gemmaspark.engine.model;

/**
 * Sees the intermediate tensors of a forward pass under llama.cpp's debug names ({@code l_out-3}, ...),
 * laid out as llama.cpp dumps them (C order of ggml's {@code (ne3, ne2, ne1, ne0)}), so a test can
 * compare layer by layer.
 */
@FunctionalInterface
public interface TensorObserver {
    void observe(String name, float[] data, int offset, int length);
}
