package dev.gemmaspark.engine.kernel;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.quant.RandomWeights;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * Measurement tool, not a test: single-thread throughput of each kernel on a 2048 x 8192 matrix, as GB/s of
 * weights for one token and GFLOP/s for 32 tokens. With one thread the time is the calling thread's CPU time,
 * which a machine shared with other work disturbs far less than wall time. Run with
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.gemmaspark.engine.kernel.KernelThroughput [TYPE ...] [--threads N] [--none]}.
 */
public final class KernelThroughput {
    public static void main(String[] args) {
        int rows = 2048;
        int cols = 8192;
        int threads = 1;
        ActivationRounding rounding = ActivationRounding.LLAMA_CPP;
        java.util.List<GGMLType> types = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--none" -> rounding = ActivationRounding.NONE;
                default -> types.add(GGMLType.valueOf(args[i]));
            }
        }
        if (types.isEmpty()) {
            types.addAll(java.util.List.of(GGMLType.values()));
        }
        Random rnd = new Random(1);
        float[] x = new float[32 * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] out = new float[32 * rows];
        try (ThreadPool pool = new ThreadPool(threads); Arena arena = Arena.ofShared()) {
            for (GGMLType type : types) {
                MemorySegment data = RandomWeights.of(type, (long) rows * cols, rnd, arena);
                WeightMatrix m = WeightMatrix.of("bench", type, data, rows, cols, rounding);
                double s1 = secondsPerCall(m, pool, x, 1, out);
                double s32 = secondsPerCall(m, pool, x, 32, out);
                System.out.printf("%-5s n=1: %6.2f GB/s %6.2f GFLOP/s   n=32: %6.2f GFLOP/s  (%.2f ms, %.2f ms)%n", type,
                        data.byteSize() / s1 / 1e9, 2.0 * rows * cols / s1 / 1e9, 2.0 * rows * cols * 32 / s32 / 1e9,
                        s1 * 1e3, s32 * 1e3);
            }
        }
    }

    private static double secondsPerCall(WeightMatrix m, ThreadPool pool, float[] x, int n, float[] out) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.function.LongSupplier clock = pool.threads() == 1 ? mx::getCurrentThreadCpuTime : System::nanoTime;
        // Warm up long enough for C2 to finish compiling the kernel (about a second for the largest ones).
        long warmUntil = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < warmUntil) {
            m.matmul(pool, x, n, out);
        }
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            int calls = 0;
            long start = clock.getAsLong();
            long elapsed;
            do {
                m.matmul(pool, x, n, out);
                calls++;
                elapsed = clock.getAsLong() - start;
            } while (elapsed < 200_000_000L);
            best = Math.min(best, elapsed / 1e9 / calls);
        }
        return best;
    }
}
