package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.ScoreResult;
import dev.gemmaspark.engine.TokenLogprob;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * log p(tokens[i] | tokens[..i]) for i in {@code [first, n)}, from the logits of positions
 * {@code [first - 1, n - 1)}: the last token is never fed, as nothing follows it.
 */
final class ScoreJob extends SingleTrackJob<ScoreResult> {
    private final int[] tokens;
    private final int first;
    private final int topN;
    private final int vocabSize;
    private final double[] logprobs;
    /** Per scored position, written by the thread that computes its row. */
    private final List<List<TokenLogprob>> alternatives;

    ScoreJob(int[] tokens, int first, int topN, int vocabSize) {
        super(tokens, first - 1, tokens.length - 1);
        this.tokens = tokens;
        this.first = first;
        this.topN = topN;
        this.vocabSize = vocabSize;
        this.logprobs = new double[tokens.length - first];
        this.alternatives = new ArrayList<>(Collections.nCopies(topN > 0 ? logprobs.length : 0, null));
    }

    @Override
    Track track(int cached) {
        return new Track(this, tokens, caches.getFirst(), cached, tokens.length - 1, first - 1) {
            @Override
            public void row(int position, float[] logits, int offset) {
                LogSoftmax row = new LogSoftmax(logits, offset, vocabSize);
                int i = position + 1 - first;
                logprobs[i] = row.of(tokens[position + 1]);
                if (topN > 0) {
                    alternatives.set(i, row.top(topN));
                }
            }
        };
    }

    @Override
    ScoreResult result() {
        return result(logprobs, alternatives, cachedPrefix);
    }

    /** The sum of {@code logprobs} in order, with them, the alternatives and the positions from the prefix cache. */
    static ScoreResult result(double[] logprobs, List<List<TokenLogprob>> alternatives, int cached) {
        double sum = 0.0;
        for (double lp : logprobs) {
            sum += lp;
        }
        return new ScoreResult(sum, logprobs.length, logprobs, List.copyOf(alternatives), cached);
    }
}
