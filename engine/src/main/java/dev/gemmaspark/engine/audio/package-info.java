/**
 * Gemma 3n's audio path as Hugging Face transformers computes it: the log-mel front end ({@link
 * dev.gemmaspark.engine.audio.LogMelFrontEnd}), the audio encoder and embedder ({@link
 * dev.gemmaspark.engine.audio.AudioEncoder}: sub-sample convolutions, Conformer blocks, reduction, projection into
 * the text model's width, the 188-slot padding) with weights from a safetensors checkpoint or a GGUF file, the
 * prompt's audio span ({@link dev.gemmaspark.engine.audio.AudioPrompt}) and the cutting of long recordings
 * ({@link dev.gemmaspark.engine.audio.LongAudio}). Decoding files to 16 kHz mono lives in {@code audio.decode}.
 */
package dev.gemmaspark.engine.audio;
