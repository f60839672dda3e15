package dev.gemmaspark.connector.runtime;

import java.util.List;

/**
 * The inputs of one row. {@code text} is the prompt (generate), the text to summarize, classify or score;
 * {@code maxWords} applies to summarize, {@code labels} to classify, {@code context} to score; {@code audio}
 * holds the file bytes to transcribe and {@code name} names the row in the messages of undecodable audio.
 * Fields a task does not use are null.
 */
public record TaskInput(String text, Integer maxWords, List<String> labels, String context, byte[] audio,
                        String name) {

    public static TaskInput of(String text) {
        return new TaskInput(text, null, null, null, null, null);
    }

    /** A text row with the second argument of summarize, classify or score. */
    public static TaskInput of(String text, Integer maxWords, List<String> labels, String context) {
        return new TaskInput(text, maxWords, labels, context, null, null);
    }

    /** A recording to transcribe: the bytes of an audio file, and what to call the row in error messages. */
    public static TaskInput audio(byte[] bytes, String name) {
        return new TaskInput(null, null, null, null, bytes, name);
    }

    /** A short, single-line excerpt of the input that names the row in error messages. */
    public String excerpt() {
        if (audio != null) {
            return audio.length + " bytes of audio";
        }
        if (text == null) {
            return "null";
        }
        // only the head is shown, so only the head is scanned: a row may hold megabytes
        String head = text.length() > 200 ? text.substring(0, 200) : text;
        String oneLine = head.replaceAll("\\s+", " ").strip();
        return "'" + (oneLine.length() > 60 ? oneLine.substring(0, 60) + "..." : oneLine) + "'";
    }
}
