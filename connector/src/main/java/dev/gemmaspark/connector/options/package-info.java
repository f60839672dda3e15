/**
 * The connector's options: their names, defaults and validation, read from {@code spark.gemma.*} session
 * configuration, per-call option maps and DataSource options, and merged into one {@link
 * dev.gemmaspark.connector.options.GemmaSettings} per call.
 */
package dev.gemmaspark.connector.options;
