package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.model.KVCache;

/**
 * Tokens fed into one KV cache in chunks, positions {@code [fed, end)}, with the logits of every position from
 * {@code logitsFrom} on: the prompt of a score, the context or a continuation of a classification. A chunk
 * stops where the step has no more logits rows, so positions before {@code logitsFrom} cost none.
 */
abstract class Track implements Rows {
    final Job<?> job;
    final int[] tokens;
    final KVCache cache;
    final int end;
    final int logitsFrom;
    private int fed;

    /**
     * @param tokens     the sequence's tokens; position p takes {@code tokens[p]}
     * @param fed        positions already in {@code cache}
     * @param end        positions to feed in all
     * @param logitsFrom first position whose logits are wanted
     */
    Track(Job<?> job, int[] tokens, KVCache cache, int fed, int end, int logitsFrom) {
        this.job = job;
        this.tokens = tokens;
        this.cache = cache;
        this.fed = fed;
        this.end = end;
        this.logitsFrom = logitsFrom;
    }

    void addTo(Step step) {
        int chunk = Math.min(step.room(), end - fed);
        chunk = Math.min(chunk, Math.max(0, logitsFrom - fed) + step.rowsLeft());
        for (int i = 0; i < chunk; i++) {
            int p = fed + i;
            step.add(job, tokens[p], p, cache, p >= logitsFrom ? this : null);
        }
        fed += chunk;
    }

    /** Positions fed so far, from 0: after the steps that fed them ran, those in the cache. */
    int fed() {
        return fed;
    }

    /** All positions fed; after the step that fed the last of them ran, all their rows were delivered. */
    boolean finished() {
        return fed == end;
    }

    @Override
    public Job<?> job() {
        return job;
    }

    @Override
    public boolean concurrent() {
        return true;
    }
}
