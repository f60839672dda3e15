package dev.gemmaspark.connector.runtime;

/**
 * The outcome of one row. Generation tasks fill {@code text}, the token counts and {@code finishReason};
 * classify fills {@code text} (the label), {@code promptTokens} (the classification prompt), {@code outputTokens}
 * (the label's tokens) and the label's {@code logLikelihood}; score fills
 * {@code logLikelihood} and {@code scoredTokens}; transcribe fills {@code text}, {@code outputTokens},
 * {@code finishReason} and {@code audioSeconds}. A failed row has {@code finishReason = "error"} and {@code error}
 * (and the length of a recording that was decoded but could not be transcribed).
 */
record RowResult(String text, Integer promptTokens, Integer outputTokens, String finishReason,
                 String error, Double logLikelihood, Integer scoredTokens, Double audioSeconds) {

    public static RowResult failed(String error) {
        return new RowResult(null, null, null, "error", error, null, null, null);
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
