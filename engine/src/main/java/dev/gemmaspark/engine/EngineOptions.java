package dev.gemmaspark.engine;

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
 * @param exactGelu     compute GELU in F32 instead of through llama.cpp's F16 table
 * @param audioQ8_0     quantize the audio tower's linear layers to Q8_0 at load (half the memory of BF16/F16
 *                      weights; activations then rounded to Q8_0 as llama.cpp does)
 */
public record EngineOptions(int threads, int contextLength, int maxSequences, int batchTokens, long kvCacheMB,
                            boolean exactGelu, boolean audioQ8_0) {

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
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Runtime.getRuntime().availableProcessors(), 4096, 16, 256, 0, false, false);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(n, contextLength, maxSequences, batchTokens, kvCacheMB, exactGelu, audioQ8_0);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(threads, n, maxSequences, batchTokens, kvCacheMB, exactGelu, audioQ8_0);
    }

    /** Also raises {@code batchTokens} to {@code n} if it was smaller. */
    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(threads, contextLength, n, Math.max(n, batchTokens), kvCacheMB, exactGelu, audioQ8_0);
    }

    public EngineOptions withBatchTokens(int n) {
        return new EngineOptions(threads, contextLength, maxSequences, n, kvCacheMB, exactGelu, audioQ8_0);
    }

    public EngineOptions withKvCacheMB(long mb) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, mb, exactGelu, audioQ8_0);
    }

    public EngineOptions withExactGelu(boolean exact) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, exact, audioQ8_0);
    }

    public EngineOptions withAudioQ8_0(boolean q8_0) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, exactGelu, q8_0);
    }
}
