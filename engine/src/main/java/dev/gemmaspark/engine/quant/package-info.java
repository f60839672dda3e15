/**
 * The ggml block formats as plain data: exact dequantization of every weight type ({@link
 * dev.gemmaspark.engine.quant.Dequantizer}, what ggml's {@code get_rows} computes), the activation
 * quantizers ggml-cpu applies before a matmul ({@link dev.gemmaspark.engine.quant.ActivationQuantizer}:
 * Q8_0, Q8_1, Q8_K with the x86 rounding), and the F16/BF16 conversions. No threads, no vectors: the fast
 * kernels that consume these formats live in {@code dev.gemmaspark.engine.kernel}.
 */
package dev.gemmaspark.engine.quant;
