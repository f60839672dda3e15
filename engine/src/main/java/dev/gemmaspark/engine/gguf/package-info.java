/**
 * GGUF model files: the memory-mapped container, its metadata and tensor directory. Knows nothing of
 * any particular architecture.
 */
package dev.gemmaspark.engine.gguf;
