package dev.gemmaspark.engine.model;

/**
 * The tokens of one forward pass: any mix of sequences, each token with its position, its sequence's
 * KV cache, and whether its logits are wanted. Tokens of one sequence must come in position order.
 */
public final class ForwardBatch {
    final int[] tokens;
    final int[] positions;
    final KVCache[] caches;
    final boolean[] wantLogits;
    int size;
    int outputs;

    public ForwardBatch(int capacity) {
        tokens = new int[capacity];
        positions = new int[capacity];
        caches = new KVCache[capacity];
        wantLogits = new boolean[capacity];
    }

    public void clear() {
        java.util.Arrays.fill(caches, 0, size, null);
        size = 0;
        outputs = 0;
    }

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

    public int capacity() {
        return tokens.length;
    }

    /** Number of tokens whose logits are wanted; their rows come out in batch order. */
    public int outputs() {
        return outputs;
    }
}
