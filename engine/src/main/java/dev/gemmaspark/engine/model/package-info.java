/**
 * The Gemma 3n text decoder as llama.cpp computes it: configuration from GGUF metadata, weights bound to
 * the mapped file, the batched forward pass (per-layer embeddings, AltUp, LAuReL, sliding and global
 * attention with KV sharing, sparse GELU FFN, soft-capped tied output), the per-sequence KV cache, and attention
 * over it in blocks of tokens that share a KV head.
 */
package dev.gemmaspark.engine.model;
