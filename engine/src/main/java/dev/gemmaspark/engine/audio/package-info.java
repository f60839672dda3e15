/**
 * Gemma 3n's audio path as Hugging Face transformers computes it: the log-mel front end, the audio encoder
 * (sub-sample convolutions, Conformer blocks, reduction) and the audio embedder that projects into the text
 * model's width, with the 188-slot padding of a prompt's audio span; weights from a safetensors checkpoint.
 * Decoding files to 16 kHz mono lives in {@code audio.decode}.
 */
package dev.gemmaspark.engine.audio;
