package dev.gemmaspark.connector;

import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.sql.GemmaFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;

/**
 * The gemma SQL functions for the DataFrame API: {@code df.select(GemmaFunctions.summarize(col("body")))}.
 * Each returns the same call as the SQL function of the same name, so it runs batched like it; the session
 * needs {@code spark.sql.extensions=dev.gemmaspark.connector.GemmaSparkExtensions}. Options maps take the
 * option names without the {@code spark.gemma.} prefix ({@code maxTokens}, {@code temperature}, ...).
 */
public final class GemmaFunctions {
    private GemmaFunctions() {}

    /** {@code gemma_generate(prompt)}: the chat-templated generation for each prompt. */
    public static Column generate(Column prompt) {
        return call(GemmaTask.GENERATE, false, Map.of(), prompt);
    }

    public static Column generate(Column prompt, Map<String, String> options) {
        return call(GemmaTask.GENERATE, false, options, prompt);
    }

    /** {@code gemma_generate_result(prompt)}: text, prompt_tokens, output_tokens, finish_reason, error. */
    public static Column generateResult(Column prompt, Map<String, String> options) {
        return call(GemmaTask.GENERATE, true, options, prompt);
    }

    /**
     * {@code gemma_generate(prompt, image)}: the image (the bytes of an image file, or the struct of Spark's image
     * source) goes where the prompt has {@code <image>}, else before the prompt; needs the option {@code mmproj}.
     */
    public static Column generate(Column prompt, Column image) {
        return call(GemmaTask.GENERATE, false, Map.of(), prompt, image);
    }

    public static Column generate(Column prompt, Column image, Map<String, String> options) {
        return call(GemmaTask.GENERATE, false, options, prompt, image);
    }

    public static Column generateResult(Column prompt, Column image, Map<String, String> options) {
        return call(GemmaTask.GENERATE, true, options, prompt, image);
    }

    /** {@code gemma_summarize(text)}. */
    public static Column summarize(Column text) {
        return call(GemmaTask.SUMMARIZE, false, Map.of(), text);
    }

    /** {@code gemma_summarize(text, max_words)}. */
    public static Column summarize(Column text, int maxWords, Map<String, String> options) {
        return call(GemmaTask.SUMMARIZE, false, options, text, functions.lit(maxWords));
    }

    public static Column summarizeResult(Column text, int maxWords, Map<String, String> options) {
        return call(GemmaTask.SUMMARIZE, true, options, text, functions.lit(maxWords));
    }

    /** {@code gemma_classify(text, array(labels))}: the most likely label. */
    public static Column classify(Column text, List<String> labels) {
        return call(GemmaTask.CLASSIFY, false, Map.of(), text, labelArray(labels));
    }

    public static Column classify(Column text, List<String> labels, Map<String, String> options) {
        return call(GemmaTask.CLASSIFY, false, options, text, labelArray(labels));
    }

    public static Column classifyResult(Column text, List<String> labels, Map<String, String> options) {
        return call(GemmaTask.CLASSIFY, true, options, text, labelArray(labels));
    }

    /** {@code gemma_score(text)}: struct of log_likelihood, tokens, perplexity. */
    public static Column score(Column text) {
        return call(GemmaTask.SCORE, false, Map.of(), text);
    }

    /** {@code gemma_score(text, context)}: the likelihood of the text following the context. */
    public static Column score(Column text, Column context) {
        return call(GemmaTask.SCORE, false, Map.of(), text, context);
    }

    public static Column scoreResult(Column text, Column context, Map<String, String> options) {
        return call(GemmaTask.SCORE, true, options, text, context);
    }

    /** {@code gemma_transcribe(audio)}: the transcript of each recording (the bytes of a WAV, FLAC or MP3 file). */
    public static Column transcribe(Column audio) {
        return call(GemmaTask.TRANSCRIBE, false, Map.of(), audio);
    }

    public static Column transcribe(Column audio, Map<String, String> options) {
        return call(GemmaTask.TRANSCRIBE, false, options, audio);
    }

    /** {@code gemma_transcribe_result(audio)}: text, audio_seconds, output_tokens, finish_reason, error. */
    public static Column transcribeResult(Column audio, Map<String, String> options) {
        return call(GemmaTask.TRANSCRIBE, true, options, audio);
    }

    /** {@code gemma_caption(image)}: a description of each image; needs the option {@code mmproj}. */
    public static Column caption(Column image) {
        return call(GemmaTask.CAPTION, false, Map.of(), image);
    }

    public static Column caption(Column image, Map<String, String> options) {
        return call(GemmaTask.CAPTION, false, options, image);
    }

    /** {@code gemma_caption(image, max_words)}. */
    public static Column caption(Column image, int maxWords, Map<String, String> options) {
        return call(GemmaTask.CAPTION, false, options, image, functions.lit(maxWords));
    }

    /** {@code gemma_caption_result(image)}: text, prompt_tokens, output_tokens, finish_reason, error. */
    public static Column captionResult(Column image, Map<String, String> options) {
        return call(GemmaTask.CAPTION, true, options, image);
    }

    public static Column captionResult(Column image, int maxWords, Map<String, String> options) {
        return call(GemmaTask.CAPTION, true, options, image, functions.lit(maxWords));
    }

    /**
     * The call of {@code task}'s function over {@code args} with {@code options}; what {@link
     * dev.gemmaspark.connector.ml.GemmaTransformer} builds for its input column.
     */
    public static Column call(GemmaTask task, boolean fullResult, Map<String, String> options, Column... args) {
        List<Column> all = new ArrayList<>(List.of(args));
        if (!options.isEmpty()) {
            List<Column> kv = new ArrayList<>();
            new TreeMap<>(options).forEach((k, v) -> {
                kv.add(functions.lit(k));
                kv.add(functions.lit(v));
            });
            all.add(functions.map(kv.toArray(Column[]::new)));
        }
        return functions.call_function(GemmaFunction.sqlName(task, fullResult), all.toArray(Column[]::new));
    }

    private static Column labelArray(List<String> labels) {
        return functions.array(labels.stream().map(functions::lit).toArray(Column[]::new));
    }
}
