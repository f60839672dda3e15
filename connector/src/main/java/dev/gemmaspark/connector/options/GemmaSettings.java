package dev.gemmaspark.connector.options;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.io.Serializable;
import java.util.List;

/**
 * The checked options of one call, shipped to the executors with the plan. See {@link GemmaOption} for
 * what each means; {@code audioWeights}, {@code mmproj}, {@code systemPrompt} and {@code localCacheDir} are null
 * when not set.
 * {@code contextLengthSource} names where {@code contextLength} was set, for the driver's check against the
 * model's training context; it is null when {@code contextLength} is the default, which is capped there
 * silently.
 */
public record GemmaSettings(String model, String audioWeights, boolean audioQ8_0, String mmproj, int maxTokens,
                            float temperature, int topK, float topP,
                            float minP, long seed, List<String> stop, String systemPrompt, String transcribePrompt,
                            boolean parseSpecial, boolean truncate, int batchSize, int contextLength,
                            String contextLengthSource, int maxSequences, long kvCacheMB, long prefixCacheMB,
                            int threads, String device,
                            boolean failOnError, String localCacheDir)
        implements Serializable {

    public GemmaSettings {
        stop = List.copyOf(stop);
    }

    /** The sampling parameters of a row whose request seed is {@code rowSeed}. */
    public SamplingParams sampling(long rowSeed) {
        return new SamplingParams(maxTokens, temperature, topK, topP, minP, 1f, rowSeed, stop);
    }

    /**
     * How the executor runs the model; {@code defaultThreads} applies when {@code threads} is 0. With {@code
     * maxSequences} 0 the engine decodes as many sequences together as {@code kvCacheMB} (or, when that is 0 too,
     * a quarter of the machine's memory) holds, up to 64.
     */
    public EngineOptions engineOptions(int defaultThreads) {
        return EngineOptions.defaults().withThreads(threads > 0 ? threads : defaultThreads)
                .withContextLength(contextLength).withMaxSequences(maxSequences).withKvCacheMB(kvCacheMB)
                .withPrefixCacheMB(prefixCacheMB)
                .withAudioQ8_0(audioQ8_0);
    }
}
