/**
 * The connector's entry points: {@link dev.gemmaspark.connector.GemmaSparkExtensions} (the SQL functions
 * and their batching rule, turned on with {@code spark.sql.extensions}), {@link
 * dev.gemmaspark.connector.GemmaPlugin} (closes executors' models, turned on with {@code spark.plugins}) and
 * {@link dev.gemmaspark.connector.GemmaFunctions} (the same functions for the DataFrame API).
 */
package dev.gemmaspark.connector;
