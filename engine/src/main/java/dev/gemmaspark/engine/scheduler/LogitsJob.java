package dev.gemmaspark.engine.scheduler;

/** The logits of every position of a token sequence, row-major [n][vocabulary]. */
final class LogitsJob extends Job<float[]> {
    private final int[] tokens;
    /** Embeddings at some positions, or null. */
    private final PromptEmbeddings embeddings;
    private final int vocabSize;
    private final float[] out;
    private Track track;

    LogitsJob(int[] tokens, PromptEmbeddings embeddings, int vocabSize) {
        super(tokens, 0, PromptEmbeddings.leadingTokens(tokens.length, embeddings));
        this.tokens = tokens;
        this.embeddings = embeddings;
        this.vocabSize = vocabSize;
        this.out = new float[Math.multiplyExact(tokens.length, vocabSize)];
    }

    @Override
    int cachesToStart(int poolSize) {
        return 1;
    }

    @Override
    void start(int cached) {
        track = new Track(this, tokens, embeddings, caches.getFirst(), 0, tokens.length, 0) {
            @Override
            public void row(int position, float[] logits, int offset) {
                System.arraycopy(logits, offset, out, position * vocabSize, vocabSize);
            }
        };
    }

    @Override
    int prefixWritten() {
        return track.fed();
    }

    @Override
    void addPrefill(Step step) {
        track.addTo(step);
    }

    @Override
    void afterStep(CachePool pool, boolean mayTakeMore) {
        if (track.finished()) {
            future.complete(out);
        }
    }
}
