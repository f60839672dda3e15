/**
 * What runs inside an executor, independent of how Spark called it: the JVM-wide model registry (weights loaded
 * once per model file, inference contexts per option set, idle contexts closed), copying remote model files to
 * local disk, the driver's check of a model file, and {@link dev.gemmaspark.connector.runtime.Inference}, the one
 * way rows reach the engine: an Arrow batch of a task's input columns in, batched engine calls, the per-row
 * results out as Arrow vectors, cancelled when the task is killed.
 */
package dev.gemmaspark.connector.runtime;
