package dev.gemmaspark.connector;

import dev.gemmaspark.connector.runtime.Prompts;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.List;

/**
 * The engine itself, called directly on the test model, outside Spark: what each connector result must equal.
 * Uses the tests' session options (max tokens 6, context 512, greedy).
 */
public final class Reference {
    public static final int MAX_TOKENS = 6;
    private static GemmaModel model;

    private Reference() {}

    private static synchronized GemmaModel model() {
        if (model == null) {
            model = GemmaModel.load(TestSpark.MODEL, EngineOptions.defaults().withThreads(2).withContextLength(512));
        }
        return model;
    }

    /** What {@code bin/gemma-spark generate --prompt p --temperature 0} prints: greedy, chat-templated. */
    public static String generate(String prompt) {
        return generate(prompt, MAX_TOKENS);
    }

    public static String generate(String prompt, int maxTokens) {
        return generateResult(prompt, maxTokens).text();
    }

    public static GenerationResult generateResult(String prompt) {
        return generateResult(prompt, MAX_TOKENS);
    }

    private static GenerationResult generateResult(String prompt, int maxTokens) {
        return model().generate(GenerationRequest.chat(Prompts.conversation(null, prompt),
                SamplingParams.GREEDY.withMaxTokens(maxTokens)));
    }

    public static String summarize(String text, Integer maxWords) {
        return generate(Prompts.summarize(text, maxWords));
    }

    /** The label with the highest log-likelihood as the model's answer to the classification prompt. */
    public static String classify(String text, List<String> labels) {
        String context = Prompts.chatContext(null, Prompts.classify(text, labels));
        String best = null;
        double bestLl = Double.NEGATIVE_INFINITY;
        for (String label : labels) {
            double ll = model().score(context, label).logLikelihood();
            if (ll > bestLl) {
                best = label;
                bestLl = ll;
            }
        }
        return best;
    }

    public static ScoreResult score(String context, String text) {
        return model().score(context, text);
    }
}
