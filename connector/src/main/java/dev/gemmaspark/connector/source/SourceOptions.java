package dev.gemmaspark.connector.source;

import dev.gemmaspark.connector.options.GemmaOption;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.runtime.TaskInput;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of a {@code gemma} read: the paths, the {@code task} and what it needs ({@code prompt} with a
 * {@code {content}} placeholder for generate, {@code maxWords} for summarize, {@code labels} for classify,
 * {@code context} for score; {@code transcribe} reads audio files and takes {@code transcribePrompt} like
 * every gemma option), and the gemma options, which override the session's {@code spark.gemma.*}.
 * {@code modelSource} and {@code audioWeightsSource} name where the model and audio weights were set.
 */
record SourceOptions(List<String> paths, GemmaTask task, String prompt, Integer maxWords, List<String> labels,
                     String context, GemmaSettings settings, String modelSource, String audioWeightsSource)
        implements Serializable {

    static final String WHERE = "the gemma data source";
    private static final String CONTENT = "{content}";
    private static final Set<String> OWN = Set.of("path", "paths", "task", "prompt", "maxwords", "labels", "context");
    /** The options that only one task takes: given to another task they would be ignored without a word. */
    private static final Map<String, GemmaTask> TASK_OPTIONS = Map.of("prompt", GemmaTask.GENERATE,
            "maxWords", GemmaTask.SUMMARIZE, "labels", GemmaTask.CLASSIFY, "context", GemmaTask.SCORE);

    /** Parses and checks {@code options} (keys in any case) over the session configuration {@code conf}. */
    static SourceOptions parse(Map<String, String> options, Map<String, String> conf) {
        Map<String, String> lower = GemmaOptions.byLowerCaseKey(options, WHERE);
        String taskName = lower.get("task");
        if (taskName == null) {
            throw new IllegalArgumentException("option 'task' of " + WHERE + " is required: one of "
                    + Arrays.stream(GemmaTask.values()).map(GemmaTask::label).toList());
        }
        GemmaTask task = GemmaTask.parse(taskName, "option 'task' of " + WHERE);
        TASK_OPTIONS.forEach((key, owner) -> {
            if (lower.containsKey(key.toLowerCase(Locale.ROOT)) && owner != task) {
                String hint = task == GemmaTask.TRANSCRIBE && key.equals("prompt")
                        ? " (which takes transcribePrompt)" : "";
                throw new IllegalArgumentException("option '" + key + "' of " + WHERE + " belongs to task "
                        + owner.label() + ", not " + task.label() + hint);
            }
        });
        GemmaOptions gemma = GemmaOptions.fromConf(conf).overriddenBy(GemmaOptions.fromMap(options, WHERE, OWN));
        String prompt = lower.getOrDefault("prompt", CONTENT);
        if (task == GemmaTask.GENERATE && !prompt.contains(CONTENT)) {
            throw new IllegalArgumentException("option 'prompt' of " + WHERE + " must contain " + CONTENT
                    + ", where each file's text goes");
        }
        List<String> labels = task == GemmaTask.CLASSIFY ? labels(lower.get("labels")) : null;
        Integer maxWords = task == GemmaTask.SUMMARIZE && lower.containsKey("maxwords")
                ? positive(lower.get("maxwords")) : null;
        return new SourceOptions(paths(lower), task, prompt, maxWords, labels, lower.get("context"),
                gemma.settings(), gemma.source(GemmaOption.MODEL), gemma.source(GemmaOption.AUDIO_WEIGHTS));
    }

    /** The task input of the file at {@code path} with bytes {@code content} (null when it could not be read). */
    TaskInput input(byte[] content, String path) {
        if (task.readsAudio()) {
            return TaskInput.audio(content, path);
        }
        String text = content == null ? null : new String(content, StandardCharsets.UTF_8);
        if (task == GemmaTask.GENERATE && text != null) {
            text = prompt.replace(CONTENT, text);
        }
        return TaskInput.of(text, maxWords, labels, context);
    }

    /** {@code load(path)} sets option {@code path}; {@code load(p1, p2, ...)} sets {@code paths}, a JSON array. */
    private static List<String> paths(Map<String, String> lower) {
        String key = lower.containsKey("paths") ? "paths" : "path";
        String text = lower.get(key);
        if (text == null) {
            throw new IllegalArgumentException(WHERE + " needs the files to read: load(path) or .option('path', ...)");
        }
        List<String> paths = key.equals("path") ? List.of(text) : GemmaOptions.jsonStrings(text);
        if (paths == null) {
            throw new IllegalArgumentException("option 'paths' of " + WHERE + " is not a JSON array of paths: '" + text
                    + "'");
        }
        if (paths.isEmpty() || paths.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("option '" + key + "' of " + WHERE + " needs non-empty paths, got '"
                    + text + "'");
        }
        return paths;
    }

    /** A JSON array of strings, or else a comma-separated list: {@code [A], [B]} is two labels. */
    private static List<String> labels(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("option 'labels' of " + WHERE + " is required for task classify: "
                    + "a JSON array of labels or a comma-separated list");
        }
        List<String> labels = GemmaOptions.jsonStrings(text);
        if (labels == null) {
            labels = Arrays.stream(text.split(",")).map(String::strip).toList();
        }
        if (labels.isEmpty() || labels.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("option 'labels' of " + WHERE + " has an empty label: '" + text + "'");
        }
        return labels;
    }

    private static int positive(String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("option 'maxWords' of " + WHERE + " must be an integer > 0, got '" + text + "'");
    }
}
