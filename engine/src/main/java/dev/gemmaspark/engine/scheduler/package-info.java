/**
 * Continuous batching over one model: generation, scoring, classification and logits requests admitted in
 * arrival order as KV caches free up, prompts prefilled in chunks, all live sequences decoded together, the
 * logits rows of each step bounded; a classification prefills its context once and copies the KV entries, and a
 * prefix cache keeps the KV entries of prompt prefixes for later requests that start with the same tokens.
 */
package dev.gemmaspark.engine.scheduler;
