/**
 * Matrix kernels over weights read in place from the mapped model file: {@link
 * dev.gemmaspark.engine.kernel.WeightMatrix} (matrix x matrix for a batch of tokens, one pass over the weights
 * per call, rows split across a {@link dev.gemmaspark.engine.kernel.ThreadPool}) with one {@code jdk.incubator.vector}
 * kernel per ggml type.
 *
 * <p>With {@link dev.gemmaspark.engine.kernel.ActivationRounding#LLAMA_CPP} the activations are first converted
 * to the weight type's vec_dot_type as ggml-cpu does (Q8_0, Q8_1, Q8_K, F16, BF16; spec section 2.3). The
 * quantized kernels keep the quantized values as small integers in float lanes, where products and block sums
 * stay below 2^24 and are therefore exact: each block's integer sum is exactly llama.cpp's; only the f32
 * scaling and accumulation order differs. Every output element is one dot product whose operations depend
 * only on its row and its token, so results are bit-identical whatever the batch and the thread count.
 */
package dev.gemmaspark.engine.kernel;
