package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.gguf.GGMLType;

/**
 * Which type each tensor gets for a requested quantization, as llama-quantize chooses it without an importance
 * matrix (llama-quant.cpp): Q4_K means the Q4_K_M mix, and tensors llama.cpp never quantizes stay F32.
 */
final class QuantPolicy {
    private QuantPolicy() {
    }

    /** The {@code general.file_type} (llama_ftype) of a file made with {@code quant}. */
    static int fileType(GGMLType quant) {
        return switch (quant) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 15; // LLAMA_FTYPE_MOSTLY_Q4_K_M
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("quantization " + quant
                    + " is not supported (use Q4_0, Q4_K, Q8_0, F16, BF16 or F32)");
        };
    }

    /** The type of tensor {@code name} with {@code nDims} dimensions in layer {@code layer} (-1: global). */
    static GGMLType tensorType(GGMLType quant, String name, int nDims, int layer, int nLayers) {
        fileType(quant);
        if (keepsSourceType(name, nDims) || quant == GGMLType.F32) {
            return GGMLType.F32;
        }
        boolean embedding = name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight");
        return switch (quant) {
            // With the output tied to token_embd, both embeddings are quantized like the output tensor: Q6_K
            // unless the file is Q8_0.
            case Q4_0 -> embedding ? GGMLType.Q6_K : GGMLType.Q4_0;
            case Q4_K -> embedding || ((name.endsWith(".attn_v.weight") || name.endsWith(".ffn_down.weight"))
                    && useMoreBits(layer, nLayers)) ? GGMLType.Q6_K : GGMLType.Q4_K;
            default -> quant;
        };
    }

    /**
     * The type of audio tensor {@code name} (GGUF name) with {@code nDims} dimensions in a file made with
     * {@code quant}, as llama.cpp's converter writes Gemma 3n's audio tower (llama-quantize leaves it alone): all F32
     * in an F32 file; otherwise vectors and convolution kernels F32, the SSCP's input projection F16, the other
     * matrices BF16 in a BF16 file and F16 in any other.
     */
    static GGMLType audioTensorType(GGMLType quant, String name, int nDims) {
        fileType(quant);
        if (quant == GGMLType.F32 || nDims < 2 || name.startsWith("a.conv1d.") || name.endsWith(".conv_dw.weight")) {
            return GGMLType.F32;
        }
        return quant == GGMLType.BF16 && !name.equals("a.pre_encode.out.weight") ? GGMLType.BF16 : GGMLType.F16;
    }

    private static boolean keepsSourceType(String name, int nDims) {
        return nDims < 2 || name.contains("_norm.weight") || name.contains("altup") || name.contains("laurel")
                || name.contains("per_layer_model_proj");
    }

    /** llama-quant.cpp's use_more_bits: the first and last eighth of the layers and every third one between. */
    static boolean useMoreBits(int layer, int nLayers) {
        return layer < nLayers / 8 || layer >= 7 * nLayers / 8 || (layer - nLayers / 8) % 3 == 2;
    }
}
