package dev.gemmaspark.connector;

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
        return model().generate(GenerationRequest.chat(prompt, SamplingParams.GREEDY.withMaxTokens(maxTokens)));
    }

    public static String summarize(String text, Integer maxWords) {
        String limit = maxWords == null ? "" : " in at most " + maxWords + " words";
        return generate("Summarize the following text" + limit + ". Reply with the summary only.\n\n" + text);
    }

    /**
     * The label with the highest log-likelihood as the model's answer to the classification prompt, written out
     * here as the connector must word it and as Gemma's chat template renders it, each label scored on its own
     * (the connector classifies all labels in one engine request that shares the prompt).
     */
    public static String classify(String text, List<String> labels) {
        String context = "<start_of_turn>user\nClassify the following text into exactly one of these categories: "
                + String.join(", ", labels) + ". Reply with the category only.\n\nText: " + text
                + "<end_of_turn>\n<start_of_turn>model\n";
        String best = null;
        double bestLl = Double.NEGATIVE_INFINITY;
        for (String label : labels) {
            double ll = model().submitScore(context, label, true).join().logLikelihood();
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
