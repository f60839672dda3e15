/**
 * Runnable jobs over the sample data in {@code examples/data}: summarize a document table to Parquet, classify
 * labelled documents, score documents, summarize a folder of text files, transcribe a folder of recordings and
 * caption a folder of images through the gemma data source.
 * Each runs under {@code spark-submit} or, without a master, on {@code local[*]}. {@link
 * dev.gemmaspark.examples.GenerateBenchmark} measures {@code gemma_generate} on {@code local[2]} against the
 * engine's own batch call in the same JVM.
 */
package dev.gemmaspark.examples;
