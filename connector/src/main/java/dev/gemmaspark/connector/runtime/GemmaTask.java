package dev.gemmaspark.connector.runtime;

import java.util.Arrays;
import java.util.Locale;

/** What the model is asked to do with each row; {@link Inference} turns each into its engine calls. */
public enum GemmaTask {
    /** Chat-templated free generation from a prompt. */
    GENERATE,
    /** Free generation of a summary of a text, optionally limited to a number of words. */
    SUMMARIZE,
    /** The most likely of a list of labels, by the log-likelihood of each label as the answer. */
    CLASSIFY,
    /** The log-likelihood of a text, optionally following a context. */
    SCORE,
    /** Speech to text of a recording, given as the bytes of a WAV, FLAC or MP3 file. */
    TRANSCRIBE,
    /** A description of an image, optionally limited to a number of words. */
    CAPTION;

    /** The lower-case name used in SQL function names and the {@code task} option. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the task generates free text from a prompt (which the option {@code truncate} may cut). */
    public boolean generates() {
        return this == GENERATE || this == SUMMARIZE;
    }

    /** Whether the task's rows may hold an image: caption's always do, generate's when given one. */
    public boolean takesImages() {
        return this == GENERATE || this == CAPTION;
    }

    /** Whether the task's input is audio (file bytes) rather than text. */
    public boolean readsAudio() {
        return this == TRANSCRIBE;
    }

    /** The task named {@code value}; {@code source} names the option in the message of a bad value. */
    public static GemmaTask parse(String value, String source) {
        if (value != null) {
            for (GemmaTask t : values()) {
                if (t.label().equalsIgnoreCase(value.strip())) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException(source + " must be one of "
                + Arrays.stream(values()).map(GemmaTask::label).toList() + ", got '" + value + "'");
    }
}
