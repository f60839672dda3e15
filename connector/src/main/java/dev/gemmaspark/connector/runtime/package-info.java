/**
 * What runs inside an executor, independent of how Spark called it: the JVM-wide model registry (weights loaded
 * once per model file, inference contexts per option set, idle contexts closed), copying remote model files to
 * local disk, the driver's check of a model file, and turning rows of a task into batched engine calls with
 * per-row results, cancelled when the task is killed.
 */
package dev.gemmaspark.connector.runtime;
