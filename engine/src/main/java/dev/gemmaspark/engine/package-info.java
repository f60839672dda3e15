/**
 * The engine's Java API: {@link dev.gemmaspark.engine.GemmaWeights} (one model file, loaded once per process) and
 * {@link dev.gemmaspark.engine.GemmaModel} (an inference context on them: threads, scheduler, KV memory), the
 * requests and results they take and give. Knows nothing of Spark.
 */
package dev.gemmaspark.engine;
