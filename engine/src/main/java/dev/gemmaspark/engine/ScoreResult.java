package dev.gemmaspark.engine;

/**
 * The log-likelihood of a text under the model, natural log.
 *
 * @param logLikelihood sum of log p(token | preceding tokens) over the scored tokens
 * @param tokens        how many tokens were scored
 */
public record ScoreResult(double logLikelihood, int tokens) {
    /** exp(-logLikelihood / tokens); NaN when nothing was scored. */
    public double perplexity() {
        return tokens == 0 ? Double.NaN : Math.exp(-logLikelihood / tokens);
    }
}
