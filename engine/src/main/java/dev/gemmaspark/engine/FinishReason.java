package dev.gemmaspark.engine;

/** Why generation ended, as OpenAI-style APIs and vLLM name it. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The token limit (max tokens, or the context) was reached. */
    LENGTH,
    /** The request failed; the result's {@code error} says why. */
    ERROR;

    /** The lower-case name used in JSON and SQL results. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
