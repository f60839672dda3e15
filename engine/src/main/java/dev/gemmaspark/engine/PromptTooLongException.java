package dev.gemmaspark.engine;

/**
 * A prompt or text that cannot fit the context length: refused before any work is queued, and before tokenizing
 * when its length in characters alone shows it. {@link GenerationRequest#withTruncate} keeps the head instead.
 */
public final class PromptTooLongException extends IllegalArgumentException {
    public PromptTooLongException(String message) {
        super(message);
    }
}
