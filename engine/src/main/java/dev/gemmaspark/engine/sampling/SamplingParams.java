package dev.gemmaspark.engine.sampling;

import java.util.List;

/**
 * How one request picks its tokens and when it stops; names follow llama.cpp and vLLM.
 *
 * @param maxTokens         the most tokens to generate (finish reason {@code length} when reached)
 * @param temperature       0 means greedy (argmax, lowest id wins ties)
 * @param topK              keep the k most likely tokens; 0 keeps all
 * @param topP              nucleus sampling threshold; 1 keeps all
 * @param minP              drop tokens below minP times the top probability; 0 keeps all
 * @param repetitionPenalty llama.cpp's repeat penalty over the prompt and output so far; 1 disables it
 * @param seed              seed of the request's random stream
 * @param stop              strings that end generation (not included in the text)
 * @param ignoreEos         go on past end-of-generation tokens (llama.cpp's {@code --ignore-eos}), for
 *                          benchmarks that need a fixed number of tokens
 */
public record SamplingParams(int maxTokens, float temperature, int topK, float topP, float minP,
                             float repetitionPenalty, long seed, List<String> stop, boolean ignoreEos) {

    public static final SamplingParams GREEDY = new SamplingParams(256, 0f, 0, 1f, 0f, 1f, 0L, List.of());

    /** llama.cpp's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalty), seed 0. */
    public static final SamplingParams LLAMA_CPP_DEFAULTS =
            new SamplingParams(256, 0.8f, 40, 0.95f, 0.05f, 1f, 0L, List.of());

    public SamplingParams {
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens must be >= 0, got " + maxTokens);
        }
        if (!(temperature >= 0f)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0, got " + topK);
        }
        if (!(topP > 0f && topP <= 1f)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0f && minP <= 1f)) {
            throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
        }
        if (!(repetitionPenalty > 0f)) {
            throw new IllegalArgumentException("repetitionPenalty must be > 0, got " + repetitionPenalty);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.contains("")) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    public SamplingParams(int maxTokens, float temperature, int topK, float topP, float minP,
                          float repetitionPenalty, long seed, List<String> stop) {
        this(maxTokens, temperature, topK, topP, minP, repetitionPenalty, seed, stop, false);
    }

    public SamplingParams withIgnoreEos(boolean ignore) {
        return new SamplingParams(maxTokens, temperature, topK, topP, minP, repetitionPenalty, seed, stop, ignore);
    }

    public boolean greedy() {
        return temperature == 0f;
    }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(n, temperature, topK, topP, minP, repetitionPenalty, seed, stop, ignoreEos);
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(maxTokens, t, topK, topP, minP, repetitionPenalty, seed, stop, ignoreEos);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(maxTokens, temperature, k, topP, minP, repetitionPenalty, seed, stop, ignoreEos);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(maxTokens, temperature, topK, p, minP, repetitionPenalty, seed, stop, ignoreEos);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(maxTokens, temperature, topK, topP, p, repetitionPenalty, seed, stop, ignoreEos);
    }

    public SamplingParams withRepetitionPenalty(float r) {
        return new SamplingParams(maxTokens, temperature, topK, topP, minP, r, seed, stop, ignoreEos);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(maxTokens, temperature, topK, topP, minP, repetitionPenalty, s, stop, ignoreEos);
    }

    public SamplingParams withStop(List<String> s) {
        return new SamplingParams(maxTokens, temperature, topK, topP, minP, repetitionPenalty, seed, s, ignoreEos);
    }
}
