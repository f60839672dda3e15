package dev.gemmaspark.engine;

import dev.gemmaspark.engine.scheduler.SchedulerOptions;

/**
 * How a model is loaded and run. Part of the key under which a process shares one loaded model.
 *
 * @param threads       worker threads of the engine's kernels (default: available processors)
 * @param contextLength the most tokens (prompt plus output) of one sequence, capped at the model's training
 *                      context; 0 means the model's own
 * @param maxSequences  sequences decoded together by the batch scheduler; 0 chooses from the KV-cache budget
 *                      ({@code kvCacheMB}, or a quarter of the machine's memory), at most 64
 * @param batchTokens   tokens in one forward pass (one per decoding sequence, the rest prompt chunks)
 * @param kvCacheMB     the most KV-cache memory, in MiB, of all live sequences together; 0 means no limit
 *                      beyond {@code maxSequences}
 * @param prefixCacheMB the most memory, in MiB, for KV entries of prompt prefixes kept so that later requests
 *                      starting with the same tokens (a system prompt, an instruction, the chat template's head)
 *                      copy them instead of computing them; results are the same bit for bit. Allocated as used,
 *                      beside {@code kvCacheMB}; 0 turns prefix caching off
 * @param exactGelu     compute GELU in F32 instead of through llama.cpp's F16 table
 * @param audioQ8_0     quantize the audio tower's linear layers to Q8_0 at load (half the memory of BF16/F16
 *                      weights; activations then rounded to Q8_0 as llama.cpp does)
 */
public record EngineOptions(int threads, int contextLength, int maxSequences, int batchTokens, long kvCacheMB,
                            long prefixCacheMB, boolean exactGelu, boolean audioQ8_0) {
    /** The default {@code prefixCacheMB}. */
    public static final long DEFAULT_PREFIX_CACHE_MB = 256;

    public EngineOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0, got " + contextLength);
        }
        if (maxSequences < 0) {
            throw new IllegalArgumentException("maxSequences must be >= 0, got " + maxSequences);
        }
        if (batchTokens < maxSequences) {
            throw new IllegalArgumentException("batchTokens (" + batchTokens + ") must be >= maxSequences ("
                    + maxSequences + "): every live sequence decodes one token per step");
        }
        if (kvCacheMB < 0) {
            throw new IllegalArgumentException("kvCacheMB must be >= 0, got " + kvCacheMB);
        }
        if (prefixCacheMB < 0 || prefixCacheMB > SchedulerOptions.MAX_PREFIX_CACHE_MB) {
            throw new IllegalArgumentException("prefixCacheMB must be between 0 and "
                    + SchedulerOptions.MAX_PREFIX_CACHE_MB + ", got " + prefixCacheMB);
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Runtime.getRuntime().availableProcessors(), 4096, 16, 256, 0,
                DEFAULT_PREFIX_CACHE_MB, false, false);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(n, contextLength, maxSequences, batchTokens, kvCacheMB, prefixCacheMB, exactGelu,
                audioQ8_0);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(threads, n, maxSequences, batchTokens, kvCacheMB, prefixCacheMB, exactGelu, audioQ8_0);
    }

    /** Also raises {@code batchTokens} to {@code n} if it was smaller. */
    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(threads, contextLength, n, Math.max(n, batchTokens), kvCacheMB, prefixCacheMB,
                exactGelu, audioQ8_0);
    }

    public EngineOptions withBatchTokens(int n) {
        return new EngineOptions(threads, contextLength, maxSequences, n, kvCacheMB, prefixCacheMB, exactGelu,
                audioQ8_0);
    }

    public EngineOptions withKvCacheMB(long mb) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, mb, prefixCacheMB, exactGelu,
                audioQ8_0);
    }

    public EngineOptions withPrefixCacheMB(long mb) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, mb, exactGelu,
                audioQ8_0);
    }

    public EngineOptions withExactGelu(boolean exact) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, prefixCacheMB, exact,
                audioQ8_0);
    }

    public EngineOptions withAudioQ8_0(boolean q8_0) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, prefixCacheMB,
                exactGelu, q8_0);
    }
}
