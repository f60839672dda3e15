package dev.gemmaspark.engine.model;

/**
 * The tokens of one forward pass: any mix of sequences, each token with its position, its sequence's
 * KV cache, and whether its logits are wanted. Tokens of one sequence must come in position order.
 *
 * <p>A position may carry an embedding instead of a token (an audio or image soft token): it enters the
 * model unscaled, and its per-layer input comes from the row of the token it stands on (the pad row for
 * soft tokens), as llama.cpp and transformers do.
 */
public final class ForwardBatch {
    final int[] tokens;
    final int[] positions;
    final KVCache[] caches;
    final boolean[] wantLogits;
    final float[][] embeddings;
    final int[] embeddingOffsets;
    int size;
    int outputs;

    public ForwardBatch(int capacity) {
        tokens = new int[capacity];
        positions = new int[capacity];
        caches = new KVCache[capacity];
        wantLogits = new boolean[capacity];
        embeddings = new float[capacity][];
        embeddingOffsets = new int[capacity];
    }

    public void clear() {
        java.util.Arrays.fill(caches, 0, size, null);
        java.util.Arrays.fill(embeddings, 0, size, null);
        size = 0;
        outputs = 0;
    }

    /**
     * Adds a position whose input is {@code embedding[offset .. offset + n_embd)} rather than the
     * embedding row of {@code token}; {@code token} still selects the per-layer input row.
     */
    public void add(int token, float[] embedding, int offset, int position, KVCache cache, boolean logits) {
        add(token, position, cache, logits);
        embeddings[size - 1] = embedding;
        embeddingOffsets[size - 1] = offset;
    }

    /** Adds a token. */
    public void add(int token, int position, KVCache cache, boolean logits) {
        if (size == tokens.length) {
            throw new IllegalStateException("batch is full (" + size + " tokens)");
        }
        tokens[size] = token;
        positions[size] = position;
        caches[size] = cache;
        wantLogits[size] = logits;
        size++;
        if (logits) {
            outputs++;
        }
    }

    public int size() {
        return size;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int position(int i) {
        return positions[i];
    }

    public KVCache cache(int i) {
        return caches[i];
    }

    public boolean wantsLogits(int i) {
        return wantLogits[i];
    }

    /** The embedding given for position i instead of its token's row (null: none), from {@link #embeddingOffset}. */
    public float[] embedding(int i) {
        return embeddings[i];
    }

    public int embeddingOffset(int i) {
        return embeddingOffsets[i];
    }

    public int capacity() {
        return tokens.length;
    }

    /** Number of tokens whose logits are wanted; their rows come out in batch order. */
    public int outputs() {
        return outputs;
    }
}
