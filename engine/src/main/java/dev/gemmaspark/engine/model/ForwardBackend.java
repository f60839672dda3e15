package dev.gemmaspark.engine.model;

/**
 * Where a model's forward passes run: {@link ForwardPass} on the CPU, or a device backend (OpenCL). The scheduler
 * is the only caller; it takes its sequences' KV caches from the backend, which keeps them where its passes read
 * them. A backend serves one caller at a time, as a llama.cpp context does.
 */
public interface ForwardBackend extends AutoCloseable {

    Gemma3nModel model();

    /** The most tokens of one {@link #forward} call. */
    int maxTokens();

    /**
     * A KV cache for one sequence of at most {@code contextLength} positions, fed at most {@code maxChunk} tokens
     * per pass, in this backend's memory.
     */
    KVCache newCache(int contextLength, int maxChunk);

    /**
     * Runs the batch: writes each token's K/V into its cache and, for each token that wants them, its soft-capped
     * logits into {@code logits} (row-major [outputs][vocab], in batch order). A row's logits never depend on the
     * other tokens of the batch.
     */
    void forward(ForwardBatch batch, float[] logits);

    /** Frees what the backend holds beyond the caches it handed out; the CPU's holds nothing to free. */
    @Override
    default void close() {
    }
}
