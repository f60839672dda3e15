package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.engine.EngineOptions;
import org.apache.spark.SparkEnv;

/**
 * What a task asks an executor's {@link ModelRegistry} for: the model and its audio weights as the user named them
 * (paths or URIs), how it runs, and where remote files are copied to. Only part of it tells models apart: the
 * weights are shared by everything with the same {@link #weights()} key, a context by everything with the same
 * {@link #context()} key. The engine threads and the cache folder are details of the executor: a context made with
 * one thread count serves calls that asked for another.
 *
 * @param model         the path or URI of the GGUF file
 * @param audioWeights  the path or URI of the audio tower's weights; null: the GGUF's own, if any
 * @param options       the engine's options
 * @param localCacheDir the directory for local copies of remote files; null for the default
 * @param mmproj        the path or URI of the vision projector (mmproj GGUF); null: none
 */
public record ModelKey(String model, String audioWeights, EngineOptions options, String localCacheDir, String mmproj) {

    /** A model without a vision projector. */
    public ModelKey(String model, String audioWeights, EngineOptions options, String localCacheDir) {
        this(model, audioWeights, options, localCacheDir, null);
    }

    /** What identifies one set of loaded weights: the files and the load-time transforms that change them. */
    public record Weights(String model, String audioWeights, boolean audioQ8_0, String mmproj) {}

    /** What identifies one inference context on those weights: the options that shape its KV memory and batches. */
    public record Context(Weights weights, int contextLength, int maxSequences, int batchTokens, long kvCacheMB,
                          long prefixCacheMB, boolean exactGelu) {}

    public Weights weights() {
        return new Weights(model, audioWeights, options.audioQ8_0(), mmproj);
    }

    public Context context() {
        return new Context(weights(), options.contextLength(), options.maxSequences(), options.batchTokens(),
                options.kvCacheMB(), options.prefixCacheMB(), options.exactGelu());
    }

    /**
     * The key of the model {@code settings} ask for in this executor. Unless set, the engine's threads
     * follow the executor's cores: all tasks of the executor share the one context and its thread pool.
     */
    public static ModelKey of(GemmaSettings settings) {
        int processors = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        int cores = env == null ? processors : env.conf().getInt("spark.executor.cores", processors);
        return new ModelKey(settings.model(), settings.audioWeights(), settings.engineOptions(cores),
                settings.localCacheDir(), settings.mmproj());
    }
}
