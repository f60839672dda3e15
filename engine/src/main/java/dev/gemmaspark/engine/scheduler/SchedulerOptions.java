package dev.gemmaspark.engine.scheduler;

/**
 * Limits of the continuous-batching scheduler.
 *
 * @param maxSequences  sequences decoded together (each holds one KV cache of {@code contextLength})
 * @param batchTokens   tokens in one forward pass: one per decoding sequence, the rest prompt chunks
 * @param contextLength positions of one sequence (prompt plus output)
 */
public record SchedulerOptions(int maxSequences, int batchTokens, int contextLength) {
    public SchedulerOptions {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("maxSequences must be >= 1, got " + maxSequences);
        }
        if (batchTokens < maxSequences) {
            throw new IllegalArgumentException("batchTokens (" + batchTokens + ") must be >= maxSequences ("
                    + maxSequences + "): every live sequence decodes one token per step");
        }
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength must be >= 2, got " + contextLength);
        }
    }
}
