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
 * @param device        where the text decoder runs: {@code cpu}, or {@code opencl} (the first OpenCL device) or
 *                      {@code opencl:N} (device N over all platforms, as {@code info --device} lists them), whose
 *                      memory then holds its weights and KV caches; the audio tower stays on the CPU
 */
public record EngineOptions(int threads, int contextLength, int maxSequences, int batchTokens, long kvCacheMB,
                            long prefixCacheMB, boolean exactGelu, boolean audioQ8_0, String device) {
    /** The default {@code prefixCacheMB}. */
    public static final long DEFAULT_PREFIX_CACHE_MB = 256;
    private static final java.util.regex.Pattern DEVICE = java.util.regex.Pattern.compile("cpu|opencl(:[0-9]{1,4})?");

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
        if (device == null || !DEVICE.matcher(device).matches()) {
            throw new IllegalArgumentException("device must be cpu, opencl or opencl:N, got '" + device + "'");
        }
    }

    /** The OpenCL device index {@code device} names, or -1 for the CPU. */
    public int openClDevice() {
        if (device.equals("cpu")) {
            return -1;
        }
        return device.equals("opencl") ? 0 : Integer.parseInt(device.substring("opencl:".length()));
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Runtime.getRuntime().availableProcessors(), 4096, 16, 256, 0,
                DEFAULT_PREFIX_CACHE_MB, false, false, "cpu");
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(n, contextLength, maxSequences, batchTokens, kvCacheMB, prefixCacheMB, exactGelu,
                audioQ8_0, device);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(threads, n, maxSequences, batchTokens, kvCacheMB, prefixCacheMB, exactGelu, audioQ8_0,
                device);
    }

    /** Also raises {@code batchTokens} to {@code n} if it was smaller. */
    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(threads, contextLength, n, Math.max(n, batchTokens), kvCacheMB, prefixCacheMB,
                exactGelu, audioQ8_0, device);
    }

    public EngineOptions withBatchTokens(int n) {
        return new EngineOptions(threads, contextLength, maxSequences, n, kvCacheMB, prefixCacheMB, exactGelu,
                audioQ8_0, device);
    }

    public EngineOptions withKvCacheMB(long mb) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, mb, prefixCacheMB, exactGelu,
                audioQ8_0, device);
    }

    public EngineOptions withPrefixCacheMB(long mb) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, mb, exactGelu,
                audioQ8_0, device);
    }

    public EngineOptions withExactGelu(boolean exact) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, prefixCacheMB, exact,
                audioQ8_0, device);
    }

    public EngineOptions withAudioQ8_0(boolean q8_0) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, prefixCacheMB,
                exactGelu, q8_0, device);
    }

    public EngineOptions withDevice(String d) {
        return new EngineOptions(threads, contextLength, maxSequences, batchTokens, kvCacheMB, prefixCacheMB,
                exactGelu, audioQ8_0, d);
    }
}
