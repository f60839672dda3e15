package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;

/** Picks the kernels for a weight type and activation rounding. */
final class Kernels {
    private Kernels() {
    }

    static RowKernel forType(GGMLType type, ActivationRounding rounding) {
        switch (type) {
            case F32:
                return PanelKernel.of(new F32Kernel());
            case F16:
                return PanelKernel.of(new F16Kernel(rounding));
            case BF16:
                return PanelKernel.of(new BF16Kernel(rounding));
            default:
                break;
        }
        if (rounding == ActivationRounding.NONE) {
            return PanelKernel.dequantizing(type, Activations.Format.F32);
        }
        return switch (type) {
            case Q8_0 -> new Q8_0Kernel();
            case Q5_0 -> NibbleKernel.q5_0();
            case Q4_1 -> NibbleKernel.q4_1();
            case Q5_1 -> NibbleKernel.q5_1();
            case Q2_K -> new Q2KKernel();
            case Q3_K -> new Q3KKernel();
            case Q5_K -> new Q5KKernel();
            // Q4_0, Q4_K and Q6_K weights are interleaved by WeightMatrix and get their InterleavedLayout's kernel there.
            case F32, F16, BF16, Q4_0, Q4_K, Q6_K -> throw new AssertionError(type);
        };
    }

    /**
     * The kernel for many tokens at once: for quantized weights with llama.cpp's rounding, a {@link PanelKernel}
     * over the same rounded activations taken as f32; otherwise {@code kernel}, which already is one.
     */
    static RowKernel forManyTokens(GGMLType type, RowKernel kernel) {
        return kernel.multipliesFloats() ? kernel : PanelKernel.dequantizing(type, kernel.format);
    }
}
