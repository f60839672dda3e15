package dev.gemmaspark.engine;

/**
 * How a model is loaded and run. Part of the key under which a process shares one loaded model.
 *
 * @param threads       worker threads of the engine's kernels (default: available processors)
 * @param contextLength the most tokens (prompt plus output) of one sequence; 0 means the model's own
 * @param exactGelu     compute GELU in F32 instead of through llama.cpp's F16 table
 */
public record EngineOptions(int threads, int contextLength, boolean exactGelu) {

    public EngineOptions {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be >= 0, got " + contextLength);
        }
    }

    public static EngineOptions defaults() {
        return new EngineOptions(Runtime.getRuntime().availableProcessors(), 4096, false);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(n, contextLength, exactGelu);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(threads, n, exactGelu);
    }

    public EngineOptions withExactGelu(boolean exact) {
        return new EngineOptions(threads, contextLength, exact);
    }
}
