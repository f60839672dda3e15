package dev.gemmaspark.engine.cli;

import dev.gemmaspark.engine.sampling.Sampler;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.List;

/** The options that choose how tokens are sampled and when generation stops; defaults are llama.cpp's. */
final class SamplingOptions {
    private static final SamplingParams D = SamplingParams.LLAMA_CPP_DEFAULTS;

    static final Option MAX_TOKENS = Option.value("--max-tokens", "N", "most tokens to generate (default "
            + D.maxTokens() + ")");
    static final Option TEMPERATURE = Option.value("--temperature", "X", "sampling temperature; 0 is greedy (default "
            + D.temperature() + ")");
    static final Option TOP_K = Option.value("--top-k", "K", "keep the K most likely tokens; 0 keeps all (default "
            + D.topK() + ")");
    static final Option TOP_P = Option.value("--top-p", "P", "keep the most likely tokens up to mass P; 1 keeps all "
            + "(default " + D.topP() + ")");
    static final Option MIN_P = Option.value("--min-p", "P", "drop tokens below P times the best one's probability "
            + "(default " + D.minP() + ")");
    static final Option REPEAT_PENALTY = Option.value("--repeat-penalty", "X", "penalty on the last "
            + Sampler.PENALTY_WINDOW + " tokens; 1 is none (default "
            + D.repetitionPenalty() + ")");
    static final Option SEED = Option.value("--seed", "S", "seed of the sampler: the same seed gives the same text "
            + "(default " + D.seed() + ")");
    static final Option STOP = Option.repeatable("--stop", "TEXT", "stop when the output contains TEXT (not printed)");

    static final List<Option> ALL = List.of(MAX_TOKENS, TEMPERATURE, TOP_K, TOP_P, MIN_P, REPEAT_PENALTY, SEED, STOP);

    private SamplingOptions() {
    }

    static SamplingParams parse(Arguments a) {
        int maxTokens = a.intValue(MAX_TOKENS.name(), D.maxTokens());
        UsageException.require(maxTokens >= 1, MAX_TOKENS.name(), "must be at least 1, got " + maxTokens);
        float temperature = a.floatValue(TEMPERATURE.name(), D.temperature());
        UsageException.require(temperature >= 0, TEMPERATURE.name(), "must be 0 or more, got " + temperature);
        int topK = a.intValue(TOP_K.name(), D.topK());
        UsageException.require(topK >= 0, TOP_K.name(), "must be 0 or more, got " + topK);
        float topP = a.floatValue(TOP_P.name(), D.topP());
        UsageException.require(topP > 0 && topP <= 1, TOP_P.name(), "must be in (0, 1], got " + topP);
        float minP = a.floatValue(MIN_P.name(), D.minP());
        UsageException.require(minP >= 0 && minP <= 1, MIN_P.name(), "must be in [0, 1], got " + minP);
        float penalty = a.floatValue(REPEAT_PENALTY.name(), D.repetitionPenalty());
        UsageException.require(penalty > 0, REPEAT_PENALTY.name(), "must be more than 0, got " + penalty);
        List<String> stop = a.all(STOP.name());
        UsageException.require(!stop.contains(""), STOP.name(), "must not be empty");
        return new SamplingParams(maxTokens, temperature, topK, topP, minP, penalty, a.longValue(SEED.name(), D.seed()),
                stop);
    }
}
