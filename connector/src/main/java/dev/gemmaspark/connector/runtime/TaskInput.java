package dev.gemmaspark.connector.runtime;

import java.util.List;

/**
 * The inputs of one row. {@code text} is the prompt (generate), the text to summarize, classify or score;
 * {@code maxWords} applies to summarize, {@code labels} to classify, {@code context} to score. Fields a task
 * does not use are null.
 */
public record TaskInput(String text, Integer maxWords, List<String> labels, String context) {

    public static TaskInput of(String text) {
        return new TaskInput(text, null, null, null);
    }

    /** A short, single-line excerpt of the text that names the row in error messages. */
    public String excerpt() {
        if (text == null) {
            return "null";
        }
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return "'" + (oneLine.length() > 60 ? oneLine.substring(0, 60) + "..." : oneLine) + "'";
    }
}
