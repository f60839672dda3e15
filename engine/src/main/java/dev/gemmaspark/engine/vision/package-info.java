/**
 * Gemma 3n's image input as llama.cpp computes it (mtmd projector {@code gemma3nv}): decoding image files to 8-bit
 * RGB as stb_image does ({@link dev.gemmaspark.engine.vision.ImageDecoder}, within a heap budget that refuses an
image too large to decode from its header, {@code ImageMemory}), the letterbox to S x S with
 * Pillow-style fixed-point bilinear resampling ({@link dev.gemmaspark.engine.vision.ImagePreprocessor}), the
 * MobileNetV5 tower with its multi-scale fusion adapter and the projector into the text model's width, read from an
 * mmproj GGUF whose network is discovered from its tensor names ({@link dev.gemmaspark.engine.vision.VisionEncoder}),
 * and the prompt's image span ({@link dev.gemmaspark.engine.vision.ImagePrompt}).
 *
 * <p>Activations are channels-last ({@code [image][y][x][channel]}), so a 1x1 convolution is one matrix product
 * over all pixels of all images of a pass, a full convolution the same product over gathered patches (im2col), and
 * the RMS norms run over contiguous channel vectors. Arithmetic is plain F32 on the stored weight values, which is
 * what llama.cpp computes with its F16 shortcuts switched off (tools/mtmd/models/mobilenetv5.cpp).
 */
package dev.gemmaspark.engine.vision;
