package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.engine.EngineOptions;
import org.apache.spark.SparkEnv;

/**
 * What identifies one loaded model in an executor: the model and its audio weights as the user named them
 * (paths or URIs), how it is loaded, and where remote files are copied to.
 *
 * @param model         the path or URI of the GGUF file
 * @param audioWeights  the path or URI of the audio tower's weights; null: the GGUF's own, if any
 * @param options       the engine's load options
 * @param localCacheDir the directory for local copies of remote files; null for the default
 */
public record ModelKey(String model, String audioWeights, EngineOptions options, String localCacheDir) {

    /**
     * The key of the model {@code settings} ask for in this executor. Unless set, the engine's threads
     * follow the executor's cores: all tasks of the executor share the one model and its thread pool.
     */
    public static ModelKey of(GemmaSettings settings) {
        int processors = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        int cores = env == null ? processors : env.conf().getInt("spark.executor.cores", processors);
        return new ModelKey(settings.model(), settings.audioWeights(), settings.engineOptions(cores),
                settings.localCacheDir());
    }
}
