package dev.gemmaspark.engine.model;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;

/**
 * A Gemma 3n text decoder bound to a mapped GGUF file: configuration plus weights, immutable and shared
 * by every thread. Running it needs a {@link ForwardPass} (scratch space) per caller and a
 * {@link KVCache} per sequence.
 */
public final class Gemma3nModel {
    private final Gemma3nConfig config;
    private final Gemma3nWeights weights;
    private final int maxContext;

    /**
     * @param maxContext the longest sequence any cache of this model will hold
     * @param rounding   how activations are rounded before each matrix product
     */
    public Gemma3nModel(GGUFFile file, int maxContext, ActivationRounding rounding) {
        this(Gemma3nConfig.fromGGUF(file), rounding, file, maxContext);
    }

    private Gemma3nModel(Gemma3nConfig config, ActivationRounding rounding, GGUFFile file, int maxContext) {
        this(config, new Gemma3nWeights(file, config, rounding), maxContext);
    }

    /** Over weights already bound (and shared with other models of other context lengths). */
    public Gemma3nModel(Gemma3nConfig config, Gemma3nWeights weights, int maxContext) {
        this.config = config;
        this.weights = weights;
        this.maxContext = maxContext;
    }

    public Gemma3nConfig config() {
        return config;
    }

    public Gemma3nWeights weights() {
        return weights;
    }

    public int maxContext() {
        return maxContext;
    }
}
