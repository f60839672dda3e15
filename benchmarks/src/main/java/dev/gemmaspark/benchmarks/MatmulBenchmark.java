package dev.gemmaspark.benchmarks;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@link WeightMatrix#matmul} (or, in {@link #matmulDequantized}, its f32 panel form) of {@code n} tokens through a {@value #ROWS} x {@value #COLS} weight matrix (the
 * shape of E2B's {@code ffn_down}) of each type, as the model runs it: activations rounded as llama.cpp rounds
 * them, rows split over a {@link ThreadPool} of {@code threads}. n = 1 is decode, which reads every weight for a
 * single token (so its measure is GB/s of weights); n = 32 is a prefill chunk (its measure is GFLOP/s).
 *
 * <p>A quantized matrix of this shape (5 to 18 MB) fits in a large L3 cache, where a model's weights, read once per
 * step, never are. So each call takes the next of several copies of the matrix that together fill
 * {@code workingSetMiB} (256 MiB unless given), and reads its weights from memory, as decoding does. A working set
 * of 0 keeps one copy, which a large L3 holds: what the kernel computes when memory is not what limits it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class MatmulBenchmark {
    static final int ROWS = 2048;
    static final int COLS = 8192;

    @Param({"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    public GGMLType type;

    @Param({"1", "32"})
    public int n;

    @Param({"1", "2"})
    public int threads;

    @Param({"256"})
    public int workingSetMiB;

    private Arena arena;
    private ThreadPool pool;
    private WeightMatrix[] matrices;
    private int next;
    private float[] x;
    private float[] out;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        pool = new ThreadPool(threads);
        MemorySegment weights = RandomMatrix.of(type, ROWS, COLS, 1, arena);
        matrices = new WeightMatrix[(int) Math.max(1, Math.ceilDiv((long) workingSetMiB << 20, weights.byteSize()))];
        for (int i = 0; i < matrices.length; i++) {
            MemorySegment copy = i == 0 ? weights : arena.allocate(weights.byteSize(), 64).copyFrom(weights);
            matrices[i] = WeightMatrix.of("bench." + type + "." + i, type, copy, ROWS, COLS,
                    ActivationRounding.LLAMA_CPP);
        }
        SplittableRandom random = new SplittableRandom(2);
        x = new float[n * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        out = new float[n * ROWS];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        WeightMatrix matrix = matrices[next];
        next = next + 1 == matrices.length ? 0 : next + 1;
        matrix.matmul(pool, x, n, out);
        return out;
    }

    @Benchmark
    public float[] matmulDequantized() {
        WeightMatrix matrix = matrices[next];
        next = next + 1 == matrices.length ? 0 : next + 1;
        matrix.matmulDequantized(pool, x, 0, n, out, 0);
        return out;
    }

    /** Bytes of weights one call reads. */
    static long weightBytes(GGMLType type) {
        return type.bytesFor((long) ROWS * COLS);
    }

    /** Floating-point operations of one call: a multiply and an add per weight and token. */
    static double flops(int n) {
        return 2.0 * ROWS * COLS * n;
    }
}
