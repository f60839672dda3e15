/**
 * What runs inside an executor, independent of how Spark called it: the JVM-wide model registry (one
 * loaded model per model file and load options), copying remote model files to local disk, the driver's
 * check of a model file, and turning rows of a task into batched engine calls with per-row results.
 */
package dev.gemmaspark.connector.runtime;
