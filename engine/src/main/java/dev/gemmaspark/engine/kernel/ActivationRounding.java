package dev.gemmaspark.engine.kernel;

/** How a {@link WeightMatrix} treats its F32 input before the dot products. */
public enum ActivationRounding {
    /**
     * Convert activations to the weight's vec_dot_type (Q8_0/Q8_1/Q8_K/F16/BF16) before the dot product, as
     * ggml-cpu does; the per-block integer sums are then exactly llama.cpp's.
     */
    LLAMA_CPP,
    /** Exact F32 arithmetic on the exactly dequantized weights. */
    NONE
}
