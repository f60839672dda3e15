package dev.gemmaspark.engine.scheduler;

/**
 * Limits of the continuous-batching scheduler.
 *
 * @param maxSequences  KV caches, each of {@code contextLength} positions: a generation or score request holds
 *                      one, a classification two or more while it runs
 * @param batchTokens   tokens in one forward pass: one per decoding sequence, the rest prompt chunks
 * @param contextLength positions of one sequence (prompt plus output)
 * @param maxLogitRows  logits rows one forward pass may produce: one per decoding sequence, one at the end of
 *                      each generation prompt, one per position of a score or classification. The scheduler
 *                      keeps a buffer of {@code maxLogitRows x vocabulary} floats (1 MiB per row for a
 *                      262,400-token vocabulary); scoring prefills only as far as its rows fit.
 * @param prefixCacheMB the most memory, in MiB, of the prefix cache ({@link PrefixCache}): KV entries of prompt
 *                      prefixes kept for later requests that start with the same tokens; 0 turns it off
 */
public record SchedulerOptions(int maxSequences, int batchTokens, int contextLength, int maxLogitRows,
                               long prefixCacheMB) {
    /** Logits rows beyond one per sequence that {@link #SchedulerOptions(int, int, int)} allows. */
    public static final int DEFAULT_EXTRA_LOGIT_ROWS = 32;
    /** 1 PiB: {@code prefixCacheMB << 20} must not overflow. */
    public static final long MAX_PREFIX_CACHE_MB = 1L << 30;

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
        if (maxLogitRows < maxSequences || maxLogitRows > batchTokens) {
            throw new IllegalArgumentException("maxLogitRows (" + maxLogitRows + ") must be between maxSequences ("
                    + maxSequences + ": every decoding sequence needs a row per step) and batchTokens (" + batchTokens
                    + ")");
        }
        if (prefixCacheMB < 0 || prefixCacheMB > MAX_PREFIX_CACHE_MB) {
            throw new IllegalArgumentException("prefixCacheMB must be between 0 and " + MAX_PREFIX_CACHE_MB + ", got "
                    + prefixCacheMB);
        }
    }

    /** Without a prefix cache. */
    public SchedulerOptions(int maxSequences, int batchTokens, int contextLength, int maxLogitRows) {
        this(maxSequences, batchTokens, contextLength, maxLogitRows, 0);
    }

    /** With {@code maxSequences + 32} logits rows, at most {@code batchTokens}, and no prefix cache. */
    public SchedulerOptions(int maxSequences, int batchTokens, int contextLength) {
        this(maxSequences, batchTokens, contextLength,
                Math.min(batchTokens, maxSequences + DEFAULT_EXTRA_LOGIT_ROWS));
    }

    public SchedulerOptions withPrefixCacheMB(long mb) {
        return new SchedulerOptions(maxSequences, batchTokens, contextLength, maxLogitRows, mb);
    }
}
