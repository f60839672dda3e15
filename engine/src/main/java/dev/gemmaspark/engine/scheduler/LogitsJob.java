package dev.gemmaspark.engine.scheduler;

/** The logits of every position of a token sequence, row-major [n][vocabulary]. */
final class LogitsJob extends SingleTrackJob<float[]> {
    private final int[] tokens;
    /** Embeddings at some positions, or null. */
    private final PromptEmbeddings embeddings;
    private final int vocabSize;
    private final float[] out;

    LogitsJob(int[] tokens, PromptEmbeddings embeddings, int vocabSize) {
        super(tokens, 0, PromptEmbeddings.leadingTokens(tokens.length, embeddings));
        this.tokens = tokens;
        this.embeddings = embeddings;
        this.vocabSize = vocabSize;
        this.out = new float[Math.multiplyExact(tokens.length, vocabSize)];
    }

    @Override
    Track track(int cached) {
        return new Track(this, tokens, embeddings, caches.getFirst(), 0, tokens.length, 0) {
            @Override
            public void row(int position, float[] logits, int offset) {
                System.arraycopy(logits, offset, out, position * vocabSize, vocabSize);
            }
        };
    }

    @Override
    float[] result() {
        return out;
    }
}
