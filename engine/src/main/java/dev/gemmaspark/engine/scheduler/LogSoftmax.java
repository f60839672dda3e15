package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.TokenLogprob;
import java.util.ArrayList;
import java.util.List;

/**
 * The log-softmax of one logits row, in double: the row's maximum, the sum of {@code StrictMath.exp(x - max)}
 * in index order, its {@code StrictMath.log}; log p(t) = x[t] - max - log(sum). StrictMath and the fixed order
 * make the values the same on every JVM and CPU, so equal logits give equal scores.
 */
final class LogSoftmax {
    private final float[] logits;
    private final int offset;
    private final int n;
    private final float max;
    private final double logSum;

    LogSoftmax(float[] logits, int offset, int n) {
        this.logits = logits;
        this.offset = offset;
        this.n = n;
        float m = Float.NEGATIVE_INFINITY;
        for (int i = offset; i < offset + n; i++) {
            m = Math.max(m, logits[i]);
        }
        double sum = 0.0;
        for (int i = offset; i < offset + n; i++) {
            sum += StrictMath.exp(logits[i] - m);
        }
        this.max = m;
        this.logSum = StrictMath.log(sum);
    }

    double of(int token) {
        return logits[offset + token] - max - logSum;
    }

    /** The {@code k} tokens of highest logit, highest first; among equal logits the lowest id first. */
    List<TokenLogprob> top(int k) {
        int[] ids = new int[k];
        float[] values = new float[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = logits[offset + i];
            if (size == k && !(v > values[k - 1])) {
                continue;
            }
            int j = size < k ? size++ : k - 1;
            while (j > 0 && v > values[j - 1]) {
                ids[j] = ids[j - 1];
                values[j] = values[j - 1];
                j--;
            }
            ids[j] = i;
            values[j] = v;
        }
        List<TokenLogprob> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new TokenLogprob(ids[i], of(ids[i])));
        }
        return List.copyOf(out);
    }
}
