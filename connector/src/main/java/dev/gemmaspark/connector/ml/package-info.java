/** Spark ML integration: {@link dev.gemmaspark.connector.ml.GemmaTransformer} and its persistence. */
package dev.gemmaspark.connector.ml;
