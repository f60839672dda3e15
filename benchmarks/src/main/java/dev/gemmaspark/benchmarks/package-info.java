/**
 * JMH micro-benchmarks of the engine's matrix kernels ({@link dev.gemmaspark.benchmarks.MatmulBenchmark}, one
 * {@code WeightMatrix.matmul} per quant type, token count and thread count) and the main class of
 * {@code benchmarks.jar} ({@link dev.gemmaspark.benchmarks.KernelBenchmarks}), which runs them and reports GB/s of
 * weights read and GFLOP/s; and {@link dev.gemmaspark.benchmarks.ContextMemory}, the resident memory a second context
 * on loaded weights adds. Nothing here runs during the build or the tests.
 */
package dev.gemmaspark.benchmarks;
