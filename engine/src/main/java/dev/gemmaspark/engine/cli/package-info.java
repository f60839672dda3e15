/**
 * The {@code gemma-spark} command line ({@link dev.gemmaspark.engine.cli.Main}): the commands {@code info},
 * {@code tokenize}, {@code generate}, {@code logits}, {@code bench} and {@code synth}, the one option parser they
 * share, and the {@code .npy} format the {@code logits} command writes. Only the engine's public API is used here.
 */
package dev.gemmaspark.engine.cli;
