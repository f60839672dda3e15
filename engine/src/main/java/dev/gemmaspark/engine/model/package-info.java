/**
 * The Gemma 3n text decoder as llama.cpp computes it: configuration from GGUF metadata, weights bound to
 * the mapped file, the batched forward pass (per-layer embeddings, AltUp, LAuReL, sliding and global
 * attention with KV sharing, sparse GELU FFN, soft-capped tied output) and the per-sequence KV cache.
 */
package dev.gemmaspark.engine.model;
