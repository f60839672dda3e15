/**
 * How a request picks its tokens and when it stops: {@link dev.gemmaspark.engine.sampling.SamplingParams}, the
 * per-request {@link dev.gemmaspark.engine.sampling.Sampler} (greedy, or llama.cpp's chain: repetition penalty,
 * top-k, top-p, min-p, temperature, seeded draw) and the
 * {@link dev.gemmaspark.engine.sampling.StopStringMatcher} for stop strings in streamed text. No model code.
 */
package dev.gemmaspark.engine.sampling;
