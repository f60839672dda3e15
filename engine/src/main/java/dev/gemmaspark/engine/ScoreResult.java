package dev.gemmaspark.engine;

import java.util.List;

/**
 * The log-likelihood of a text under the model, natural log.
 *
 * @param logLikelihood sum of log p(token | preceding tokens) over the scored tokens, added in order
 * @param tokens        how many tokens were scored
 * @param tokenLogprobs log p of each scored token, in order ({@code tokens} values); null where only the sum
 *                      was kept
 * @param alternatives  per scored token, the most likely tokens at that position, most likely first (lowest id
 *                      first among equal logits); empty when none were asked for
 * @param cachedPromptTokens leading tokens (of the context and text; of a classification's context, the same for
 *                      every label) whose KV entries came from the prefix cache instead of being computed; the
 *                      values are the same either way
 */
public record ScoreResult(double logLikelihood, int tokens, double[] tokenLogprobs,
                          List<List<TokenLogprob>> alternatives, int cachedPromptTokens) {
    public ScoreResult {
        if (tokenLogprobs != null && tokenLogprobs.length != tokens) {
            throw new IllegalArgumentException(tokenLogprobs.length + " token log-probabilities for " + tokens
                    + " tokens");
        }
        if (!alternatives.isEmpty() && alternatives.size() != tokens) {
            throw new IllegalArgumentException(alternatives.size() + " lists of alternatives for " + tokens + " tokens");
        }
    }

    /** A result known only by its sum. */
    public ScoreResult(double logLikelihood, int tokens) {
        this(logLikelihood, tokens, null, List.of(), 0);
    }

    /** exp(-logLikelihood / tokens); NaN when nothing was scored. */
    public double perplexity() {
        return tokens == 0 ? Double.NaN : Math.exp(-logLikelihood / tokens);
    }
}
