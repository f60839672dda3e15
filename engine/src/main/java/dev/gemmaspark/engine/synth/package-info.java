/**
 * Synthesizes Gemma 3n GGUF models with random weights and the real dimensions (E2B, E4B) or the golden test
 * model's (TINY), loadable by this engine and by llama.cpp, to measure speed without the real checkpoints;
 * optionally with the audio tower and embedder, whose weights follow the golden audio reference's generator.
 * Entry point: {@link dev.gemmaspark.engine.synth.ModelSynthesizer}.
 */
package dev.gemmaspark.engine.synth;
