package dev.gemmaspark.engine;

/**
 * The outcome of one generation request.
 *
 * @param text         the generated text (stop string and end-of-generation token excluded)
 * @param promptTokens the prompt as token ids (BOS included)
 * @param tokens       the generated token ids (an end-of-generation token that stopped it included)
 * @param finishReason why it ended
 * @param error        why the request failed (finish reason {@code ERROR}), else null
 * @param cachedPromptTokens leading prompt tokens whose KV entries came from the prefix cache instead of being
 *                     computed; the output is the same either way
 */
public record GenerationResult(String text, int[] promptTokens, int[] tokens, FinishReason finishReason,
                               String error, int cachedPromptTokens) {
    /** The result of a request that failed before or during generation. */
    public static GenerationResult failed(String error) {
        return new GenerationResult(null, new int[0], new int[0], FinishReason.ERROR, error, 0);
    }

    public int promptTokenCount() {
        return promptTokens.length;
    }

    public int outputTokenCount() {
        return tokens.length;
    }
}
