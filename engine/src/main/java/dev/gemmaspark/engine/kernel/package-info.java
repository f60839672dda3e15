/**
 * Matrix kernels over weights read from the mapped model file: {@link
 * dev.gemmaspark.engine.kernel.WeightMatrix} (matrix x matrix for a batch of tokens, one pass over the weights
 * per call, rows split across a {@link dev.gemmaspark.engine.kernel.ThreadPool}) with one {@code jdk.incubator.vector}
 * kernel per ggml type.
 *
 * <p>With {@link dev.gemmaspark.engine.kernel.ActivationRounding#LLAMA_CPP} the activations are first converted
 * to the weight type's vec_dot_type as ggml-cpu does (Q8_0, Q8_1, Q8_K, F16, BF16; spec section 2.3). The
 * quantized kernels compute every block's integer sum exactly, as llama.cpp's integer kernels do: Q8_0, Q5_0,
 * Q4_1, Q5_1 and Q5_K multiply in 16-bit lanes and add pairs into 32-bit lanes; Q2_K and Q3_K keep small
 * integers in float lanes, where products and sums stay below 2^24. The types of the E2B/E4B files, Q4_0, Q4_K
 * and Q6_K, are copied at load into layouts with 16 rows interleaved where the JIT uses 512-bit vectors
 * (AVX-512), 8 elsewhere ({@link dev.gemmaspark.engine.kernel.InterleavedLayout}, as llama.cpp repacks them on x86):
 * there one 16-bit multiply serves all the rows of a group with the two activations of a column pair broadcast to
 * every lane, and each row's exact sum
 * ends in a lane of its own, so no sum across lanes is needed per row. Only the f32 scaling and
 * accumulation order differs from llama.cpp. Every output element is one dot product whose operations depend
 * only on its row and its token, so results are bit-identical whatever the batch and the thread count.
 *
 * <p>Float weights (F32, F16, BF16) against 8 tokens or more go to {@link dev.gemmaspark.engine.kernel.PanelKernel},
 * a cache-blocked matrix-matrix product over panels of weights widened to f32, which performs per output element
 * the same float operations as the per-type tile kernels. {@link
 * dev.gemmaspark.engine.kernel.WeightMatrix#matmulDequantized} is the product of quantized weights for many tokens
 * through the same panel kernel: rows dequantized exactly ({@code RowDecoder}, bit-identical with get_rows) against
 * the activations rounded as llama.cpp rounds them, taken as f32 (the audio encoder's path). Its results differ
 * from the integer kernels' in the last bits, so callers choose a path per use, never per batch size; the text
 * model sends prompt and generated tokens alike through the integer kernels, which are the faster of the two for
 * a 128-token prompt too. With {@code ActivationRounding.NONE} the panel is the only path for quantized weights.
 *
 * <p>Two shapes of kernel depend on the vector width ({@link dev.gemmaspark.engine.kernel.VectorWidth}): the
 * interleaved groups (16 or 8 rows) and the panel's micro-tile (16 columns per vector, both chains side by side,
 * or 8). A row's result is the same at either width; the width only decides how many rows or columns one
 * instruction takes.
 *
 * <p>The kernel bodies are written out per type and per tile (one token, four, eight) without helper calls:
 * C2 stops inlining in methods of this size, a vector passed to a call that is not inlined is boxed, and
 * the hot loops only stay allocation-free and fully intrinsified when written this way.
 */
package dev.gemmaspark.engine.kernel;
