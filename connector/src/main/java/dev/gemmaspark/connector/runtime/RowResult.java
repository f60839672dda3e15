package dev.gemmaspark.connector.runtime;

/**
 * The outcome of one row. Generation tasks fill {@code text}, the token counts and {@code finishReason};
 * classify fills {@code text} (the label), {@code promptTokens} (the classification prompt), {@code outputTokens}
 * (the label's tokens) and the label's {@code logLikelihood}; score fills
 * {@code logLikelihood} and {@code scoredTokens}. A failed row has only {@code finishReason = "error"}
 * and {@code error}.
 */
public record RowResult(String text, Integer promptTokens, Integer outputTokens, String finishReason,
                        String error, Double logLikelihood, Integer scoredTokens) {

    public static RowResult failed(String error) {
        return new RowResult(null, null, null, "error", error, null, null);
    }

    public boolean isError() {
        return error != null;
    }

    /** exp(-logLikelihood / scoredTokens); null when nothing was scored. */
    public Double perplexity() {
        return logLikelihood == null || scoredTokens == null || scoredTokens == 0
                ? null : Math.exp(-logLikelihood / scoredTokens);
    }
}
