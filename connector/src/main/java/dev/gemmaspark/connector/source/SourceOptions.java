package dev.gemmaspark.connector.source;

import dev.gemmaspark.connector.options.GemmaOption;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.runtime.InputColumn;
import dev.gemmaspark.connector.runtime.ResultColumn;
import dev.gemmaspark.engine.vision.ImagePrompt;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The options of a {@code gemma} read: the paths, the {@code task} and what it needs ({@code prompt} with a
 * {@code {content}} placeholder for generate, {@code maxWords} for summarize, {@code labels} for classify,
 * {@code context} for score; {@code transcribe} reads audio files and takes {@code transcribePrompt} like
 * every gemma option; {@code caption} reads every file as an image and takes {@code maxWords}; generate reads a
 * file named {@code .png}, {@code .jpg}, {@code .jpeg}, {@code .bmp} or {@code .gif} as an image, which goes where
 * the prompt has {@code {content}}), and the gemma options, which override the session's {@code spark.gemma.*}.
 * {@code modelSource} and {@code audioWeightsSource} name where the model and audio weights were set.
 */
record SourceOptions(List<String> paths, GemmaTask task, String prompt, Integer maxWords, List<String> labels,
                     String context, GemmaSettings settings, String modelSource, String audioWeightsSource)
        implements Serializable {

    static final String WHERE = "the gemma data source";
    /** The column of the file each row is about, first in the input and the output. */
    static final String PATH = "path";
    private static final String CONTENT = "{content}";
    private static final Set<String> OWN = Set.of("path", "paths", "task", "prompt", "maxwords", "labels", "context");
    /** The options that only some tasks take: given to another task they would be ignored without a word. */
    private static final Map<String, Set<GemmaTask>> TASK_OPTIONS = Map.of("prompt", EnumSet.of(GemmaTask.GENERATE),
            "maxWords", EnumSet.of(GemmaTask.SUMMARIZE, GemmaTask.CAPTION), "labels", EnumSet.of(GemmaTask.CLASSIFY),
            "context", EnumSet.of(GemmaTask.SCORE));
    /** The names of the files that task generate reads as images (lower case), as ImageDecoder decodes them. */
    private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    /** Parses and checks {@code options} (keys in any case) over the session configuration {@code conf}. */
    static SourceOptions parse(Map<String, String> options, Map<String, String> conf) {
        Map<String, String> lower = GemmaOptions.byLowerCaseKey(options, WHERE);
        String taskName = lower.get("task");
        if (taskName == null) {
            throw new IllegalArgumentException("option 'task' of " + WHERE + " is required: one of "
                    + Arrays.stream(GemmaTask.values()).map(GemmaTask::label).toList());
        }
        GemmaTask task = GemmaTask.parse(taskName, "option 'task' of " + WHERE);
        TASK_OPTIONS.forEach((key, owners) -> {
            if (lower.containsKey(key.toLowerCase(Locale.ROOT)) && !owners.contains(task)) {
                String hint = task == GemmaTask.TRANSCRIBE && key.equals("prompt")
                        ? " (which takes transcribePrompt)" : "";
                throw new IllegalArgumentException("option '" + key + "' of " + WHERE + " belongs to task "
                        + String.join(" or ", owners.stream().map(GemmaTask::label).toList()) + ", not "
                        + task.label() + hint);
            }
        });
        GemmaOptions gemma = GemmaOptions.fromConf(conf).overriddenBy(GemmaOptions.fromMap(options, WHERE, OWN));
        String prompt = lower.getOrDefault("prompt", CONTENT);
        if (task == GemmaTask.GENERATE && !prompt.contains(CONTENT)) {
            throw new IllegalArgumentException("option 'prompt' of " + WHERE + " must contain " + CONTENT
                    + ", where each file's text goes");
        }
        List<String> labels = task == GemmaTask.CLASSIFY ? labels(lower.get("labels")) : null;
        Integer maxWords = TASK_OPTIONS.get("maxWords").contains(task) && lower.containsKey("maxwords")
                ? positive(lower.get("maxwords")) : null;
        return new SourceOptions(paths(lower), task, prompt, maxWords, labels, lower.get("context"),
                gemma.settings(), gemma.source(GemmaOption.MODEL), gemma.source(GemmaOption.AUDIO_WEIGHTS));
    }

    /** The rows a read returns: the file's path, then the task's result record. */
    StructType outputSchema() {
        return withPath(ResultColumn.struct(ResultColumn.record(task)));
    }

    /** The engine's input columns the read fills for each file: the task's, and why the file could not be read. */
    private List<InputColumn> inputColumns() {
        List<InputColumn> columns = new ArrayList<>(InputColumn.of(task));
        columns.add(InputColumn.ERROR);
        return columns;
    }

    /** The vectors of a batch of files: the path, then {@link #inputColumns()}. */
    StructType inputSchema() {
        return withPath(InputColumn.struct(inputColumns()));
    }

    private static StructType withPath(StructType columns) {
        StructType schema = new StructType().add(PATH, DataTypes.StringType, false);
        for (StructField field : columns.fields()) {
            schema = schema.add(field);
        }
        return schema;
    }

    /**
     * The row of {@link #inputSchema()} of the file at {@code path} with bytes {@code content}, or null and
     * {@code error}, why it could not be read. Generate's text goes into {@code prompt}, or, for an image file,
     * the image's marker; the options of the other tasks fill every row.
     */
    InternalRow inputRow(String path, byte[] content, String error) {
        List<InputColumn> columns = inputColumns();
        Object[] values = new Object[columns.size() + 1];
        values[0] = UTF8String.fromString(path);
        for (int c = 0; c < columns.size(); c++) {
            values[c + 1] = switch (columns.get(c)) {
                case TEXT -> content == null ? null : UTF8String.fromString(text(path, content));
                case AUDIO -> content;
                case IMAGE -> task == GemmaTask.CAPTION || isImageFile(path) ? content : null;
                // files are read as bytes: Spark's image structs come only from SQL
                case IMAGE_STRUCT -> null;
                case MAX_WORDS -> maxWords;
                case LABELS -> labels == null ? null
                        : new GenericArrayData(labels.stream().map(UTF8String::fromString).toArray());
                case CONTEXT -> UTF8String.fromString(context);
                case ERROR -> UTF8String.fromString(error);
            };
        }
        return new GenericInternalRow(values);
    }

    private String text(String path, byte[] content) {
        if (task != GemmaTask.GENERATE) {
            return new String(content, StandardCharsets.UTF_8);
        }
        return prompt.replace(CONTENT, isImageFile(path) ? ImagePrompt.MARKER
                : new String(content, StandardCharsets.UTF_8));
    }

    /** Whether task generate reads the file at {@code path} as an image, by its name. */
    private static boolean isImageFile(String path) {
        String name = path.toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
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
