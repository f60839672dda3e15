package dev.gemmaspark.connector.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.connector.options.GemmaOption;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.runtime.TaskInput;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses and checks {@code options} (keys in any case) over the session configuration {@code conf}. */
    static SourceOptions parse(Map<String, String> options, Map<String, String> conf) {
        Map<String, String> lower = new java.util.HashMap<>();
        options.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        String taskName = lower.get("task");
        if (taskName == null) {
            throw new IllegalArgumentException("option 'task' of " + WHERE + " is required: one of "
                    + java.util.Arrays.stream(GemmaTask.values()).map(GemmaTask::label).toList());
        }
        GemmaTask task = GemmaTask.parse(taskName, "option 'task' of " + WHERE);
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

    private static List<String> paths(Map<String, String> lower) {
        if (lower.containsKey("paths")) {
            try {
                return List.copyOf(JSON.readValue(lower.get("paths"), new TypeReference<List<String>>() {}));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("option 'paths' of " + WHERE + " is not a JSON array of paths");
            }
        }
        if (lower.containsKey("path")) {
            return List.of(lower.get("path"));
        }
        throw new IllegalArgumentException(WHERE + " needs the files to read: load(path) or .option('path', ...)");
    }

    private static List<String> labels(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("option 'labels' of " + WHERE + " is required for task classify: "
                    + "a JSON array of labels or a comma-separated list");
        }
        List<String> labels;
        if (text.strip().startsWith("[")) {
            try {
                labels = JSON.readValue(text, new TypeReference<List<String>>() {});
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("option 'labels' of " + WHERE + " is not a JSON array of strings");
            }
        } else {
            labels = java.util.Arrays.stream(text.split(",")).map(String::strip).toList();
        }
        if (labels.isEmpty() || labels.stream().anyMatch(l -> l == null || l.isEmpty())) {
            throw new IllegalArgumentException("option 'labels' of " + WHERE + " has an empty label: '" + text + "'");
        }
        return List.copyOf(labels);
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
