package dev.gemmaspark.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The body of one matmul's {@link ThreadPool#parallelFor}: a range of row groups. One instance per calling
 * thread (held by its {@link Activations}), refilled on each call instead of allocating a lambda.
 */
final class MatmulTask implements ThreadPool.RangeBody {
    /** Rows per unit of parallel work: 16 floats, a cache line of output per token, so threads do not share lines. */
    static final int ROW_GRAIN = 16;

    RowKernel kernel;
    MemorySegment data;
    long rowBytes;
    int rows;
    Activations acts;
    float[] out;
    int outOff;

    void set(RowKernel kernel, MemorySegment data, long rowBytes, int rows, Activations acts, float[] out, int outOff) {
        this.kernel = kernel;
        this.data = data;
        this.rowBytes = rowBytes;
        this.rows = rows;
        this.acts = acts;
        this.out = out;
        this.outOff = outOff;
    }

    static int groups(int rows) {
        return (rows + ROW_GRAIN - 1) / ROW_GRAIN;
    }

    @Override
    public void run(int start, int end) {
        kernel.rows(data, rowBytes, start * ROW_GRAIN, Math.min(rows, end * ROW_GRAIN), acts, out, outOff, rows);
    }

    void clear() {
        set(null, null, 0, 0, null, null, 0);
    }
}
