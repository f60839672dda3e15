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
    /** Embeddings standing in for the token embedding at some positions, or null. */
    private final PromptEmbeddings embeddings;
    private int fed;

    /**
     * @param tokens     the sequence's tokens; position p takes {@code tokens[p]}
     * @param fed        positions already in {@code cache}
     * @param end        positions to feed in all
     * @param logitsFrom first position whose logits are wanted
     */
    Track(Job<?> job, int[] tokens, KVCache cache, int fed, int end, int logitsFrom) {
        this(job, tokens, null, cache, fed, end, logitsFrom);
    }

    /** Like the other constructor, position p taking {@code embeddings}' vector where it has one. */
    Track(Job<?> job, int[] tokens, PromptEmbeddings embeddings, KVCache cache, int fed, int end, int logitsFrom) {
        this.job = job;
        this.embeddings = embeddings;
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
            Rows rows = p >= logitsFrom ? this : null;
            if (embeddings != null && embeddings.has(p)) {
                step.add(job, PromptEmbeddings.PER_LAYER_TOKEN, embeddings.arrays()[p], embeddings.offsets()[p], p, cache,
                        rows);
            } else {
                step.add(job, tokens[p], p, cache, rows);
            }
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
