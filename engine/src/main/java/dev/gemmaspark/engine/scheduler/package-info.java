/**
 * Continuous batching of generation requests over one model: admission in arrival order, prompt
 * prefill in chunks, all live sequences decoded together, KV caches from a pool.
 */
package dev.gemmaspark.engine.scheduler;
