/**
 * Hugging Face safetensors checkpoints (one file, or a folder sharded by {@code model.safetensors.index.json}),
 * memory-mapped with {@code java.lang.foreign}: tensors are handed out as slices of the mapping, never copied
 * onto the heap unless a caller asks for a float array.
 */
package dev.gemmaspark.engine.safetensors;
