package dev.gemmaspark.engine;

/** A token and its log-probability (natural log) at one position. */
public record TokenLogprob(int token, double logprob) {
}
