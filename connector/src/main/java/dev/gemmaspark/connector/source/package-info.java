/**
 * The {@code gemma} DataSource V2: {@code spark.read.format("gemma").option("task", ...).load(paths)} reads
 * files (text, audio for task {@code transcribe}, images for task {@code caption} and image files for
 * {@code generate}) through the Hadoop FileSystem API, one row per file, spreads them over partitions by size, and
 * runs the model in the partition readers, which return columnar (Arrow) batches of results.
 */
package dev.gemmaspark.connector.source;
