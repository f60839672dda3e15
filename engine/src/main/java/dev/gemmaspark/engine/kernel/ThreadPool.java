package dev.gemmaspark.engine.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of persistent daemon worker threads for data-parallel loops. The model calls {@link
 * #parallelFor} hundreds of times per token, so dispatch must cost microseconds: workers spin briefly on a
 * job counter after each job before parking, and the calling thread takes a share of the work itself.
 *
 * <p>{@code [0, n)} is cut into contiguous chunks that threads claim one by one (a thread that was descheduled
 * simply claims fewer), so callers must not depend on which thread runs which range. Callers from different
 * threads are served one job at a time; a {@code parallelFor} issued from inside a running body runs inline.
 */
public final class ThreadPool implements AutoCloseable {
    /** How long an idle thread spins before parking: longer than the gap between two matmuls of a forward pass. */
    private static final long SPIN_NANOS = 50_000;
    private static final int CHUNKS_PER_THREAD = 8;
    /** So that a job's chunk count fits the 16 bits it has in {@link #cursor}. */
    static final int MAX_THREADS = 0xFFFF / CHUNKS_PER_THREAD;

    static {
        // every computation of the engine runs on a pool made before its kernels are compiled
        CompilerDirectives.install();
    }

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock submitLock = new ReentrantLock();

    /**
     * Job id in the high 32 bits, the job's chunk count in the next 16, the next unclaimed chunk in the low 16. A
     * claim is one compare-and-set of this word, so it succeeds only for the current job and only while it has
     * chunks left, whatever a thread read of the job's other fields: a thread that read the word of a job whose
     * chunks were all claimed, then the chunk count of the next job, must not claim (and count) a chunk that
     * does not exist.
     */
    private final AtomicLong cursor = new AtomicLong();
    private final AtomicInteger chunksDone = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    // Job description, written before the cursor publishes a new job id.
    private RangeBody body;
    private int n;
    private int chunkSize;
    private int chunks;
    private volatile Thread waitingCaller;
    private volatile Thread runningCaller;
    private volatile boolean closed;

    /** Runs a range of a loop. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** A pool of {@code threads} threads in all, the thread calling {@link #parallelFor} being one of them. */
    public ThreadPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        if (threads > MAX_THREADS) {
            throw new IllegalArgumentException("thread count must be at most " + MAX_THREADS + ", got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, n) split into contiguous ranges across the threads (the caller participates); returns
     * when all ranges are done. Exceptions in a worker are rethrown in the caller.
     */
    public void parallelFor(int n, RangeBody body) {
        if (closed) {
            throw new IllegalStateException("thread pool is closed");
        }
        if (n <= 0) {
            return;
        }
        Thread me = Thread.currentThread();
        if (workers.length == 0 || n == 1 || runningCaller == me || (me instanceof Worker w && w.pool() == this)) {
            body.run(0, n);
            return;
        }
        submitLock.lock();
        try {
            runningCaller = me;
            this.body = body;
            this.n = n;
            this.chunks = Math.min(n, threads * CHUNKS_PER_THREAD);
            this.chunkSize = (n + chunks - 1) / chunks;
            this.chunks = (n + chunkSize - 1) / chunkSize;
            failure.set(null);
            chunksDone.set(0);
            long job = (cursor.get() >>> 32) + 1;
            cursor.set(job << 32 | (long) chunks << 16);
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            runChunks(job);
            awaitChunks();
            this.body = null;
            runningCaller = null;
        } finally {
            submitLock.unlock();
        }
        Throwable t = failure.getAndSet(null);
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new RuntimeException(t);
        }
    }

    /** Claims and runs chunks of job {@code job} until none is left. */
    private void runChunks(long job) {
        while (true) {
            long c = cursor.get();
            if ((c >>> 32) != job) {
                return;
            }
            int total = (int) (c >>> 16) & 0xFFFF;
            int chunk = (int) c & 0xFFFF;
            if (chunk >= total) {
                return;
            }
            // Fields of this job while the claim below succeeds: the job cannot end while this chunk is unclaimed.
            RangeBody b = body;
            int size = chunkSize;
            int limit = n;
            if (!cursor.compareAndSet(c, c + 1)) {
                continue;
            }
            try {
                int start = chunk * size;
                b.run(start, Math.min(limit, start + size));
            } catch (Throwable t) {
                if (!failure.compareAndSet(null, t)) {
                    failure.get().addSuppressed(t);
                }
            }
            if (chunksDone.incrementAndGet() == total) {
                Thread caller = waitingCaller;
                if (caller != null) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    private void awaitChunks() {
        long start = System.nanoTime();
        while (chunksDone.get() < chunks) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            waitingCaller = Thread.currentThread();
            if (chunksDone.get() < chunks) {
                LockSupport.parkNanos(this, 1_000_000);
            }
            waitingCaller = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("gemma-kernel-" + index);
            setDaemon(true);
        }

        ThreadPool pool() {
            return ThreadPool.this;
        }

        @Override
        public void run() {
            long seenJob = cursor.get() >>> 32;
            while (!closed) {
                long job = awaitJob(seenJob);
                if (job == seenJob) {
                    continue;
                }
                seenJob = job;
                runChunks(job);
            }
        }

        /** Spins, then parks, until a job newer than {@code seenJob} is published or the pool closes. */
        private long awaitJob(long seenJob) {
            long start = System.nanoTime();
            while (!closed) {
                long job = cursor.get() >>> 32;
                if (job != seenJob) {
                    return job;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if ((cursor.get() >>> 32) == seenJob && !closed) {
                    LockSupport.park(this);
                }
                parked = false;
                start = System.nanoTime();
            }
            return seenJob;
        }
    }
}
