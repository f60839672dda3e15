package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ThreadPoolTest {

    @Test
    void rangesCoverEveryIndexExactlyOnce() {
        for (int threads : new int[] {1, 2, 4}) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                assertEquals(threads, pool.threads());
                for (int n : new int[] {1, 2, 3, 7, 31, 100, 1000}) {
                    for (int rep = 0; rep < 20; rep++) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        pool.parallelFor(n, (start, end) -> {
                            assertTrue(start < end, "empty range " + start + ".." + end);
                            for (int i = start; i < end; i++) {
                                hits.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, hits.get(i), "index " + i + " of " + n + " with " + threads + " threads");
                        }
                    }
                }
                pool.parallelFor(0, (start, end) -> {
                    throw new AssertionError("no range for n = 0");
                });
            }
        }
    }

    @Test
    void workIsSharedAndTheCallerTakesPart() {
        try (ThreadPool pool = new ThreadPool(3)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            for (int rep = 0; rep < 200 && seen.size() < 2; rep++) {
                pool.parallelFor(64, (start, end) -> {
                    seen.add(Thread.currentThread());
                    long spin = System.nanoTime() + 100_000;
                    while (System.nanoTime() < spin) {
                        Thread.onSpinWait();
                    }
                });
            }
            assertTrue(seen.size() >= 2, "only " + seen + " ran the ranges");
            for (Thread t : seen) {
                assertTrue(t == Thread.currentThread() || t.isDaemon(), t + " should be a daemon worker");
            }
        }
    }

    @Test
    void exceptionsInWorkersReachTheCaller() {
        try (ThreadPool pool = new ThreadPool(4)) {
            IllegalStateException boom = new IllegalStateException("range with index 500");
            for (int rep = 0; rep < 10; rep++) {
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.parallelFor(1000, (start, end) -> {
                    if (start <= 500 && 500 < end) {
                        throw boom;
                    }
                }));
                assertSame(boom, thrown);
            }
            AssertionError error = assertThrows(AssertionError.class, () -> pool.parallelFor(8, (start, end) -> {
                throw new AssertionError("every range fails");
            }));
            assertEquals("every range fails", error.getMessage());
            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(100, (start, end) -> sum.addAndGet(end - start));
            assertEquals(100, sum.get(), "the pool keeps working after a failure");
        }
    }

    @Test
    void nestedAndConcurrentCallsComplete() throws InterruptedException {
        try (ThreadPool pool = new ThreadPool(2)) {
            AtomicInteger nested = new AtomicInteger();
            pool.parallelFor(4, (start, end) -> pool.parallelFor(10, (s, e) -> nested.addAndGet(e - s)));
            assertEquals(40, nested.get());

            AtomicInteger total = new AtomicInteger();
            List<Thread> callers = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                Thread t = new Thread(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        pool.parallelFor(50, (start, end) -> total.addAndGet(end - start));
                    }
                });
                callers.add(t);
                t.start();
            }
            for (Thread t : callers) {
                t.join();
            }
            assertEquals(3 * 200 * 50, total.get());
        }
    }

    /**
     * Every range of a job has run, and its writes are visible, when parallelFor returns: many short jobs back to back
     * (2 to 5 ranges of uneven work, as attention heads and small matmuls give), each writing its own id into its
     * slots. A worker that read a finished job's cursor, then the next job's range count, used to claim a range that
     * did not exist, count it towards the next job, and let that job return one range early (caught here within a
     * few hundred thousand jobs; in the model, about one forward pass in 700 of a one-token chunk).
     */
    @Test
    void everyRangeHasRunWhenParallelForReturns() {
        try (ThreadPool pool = new ThreadPool(2)) {
            int[] slots = new int[8];
            for (int job = 1; job <= 400_000; job++) {
                int id = job;
                int n = 2 + job % 4;
                pool.parallelFor(n, (start, end) -> {
                    for (int i = start; i < end; i++) {
                        long spin = (i * 37L + id) % 64;
                        while (spin-- > 0) {
                            Thread.onSpinWait();
                        }
                        slots[i] = id;
                    }
                });
                for (int i = 0; i < n; i++) {
                    if (slots[i] != id) {
                        throw new AssertionError("job " + id + " of " + n + " ranges returned before range " + i + " ran");
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadUse() {
        assertThrows(IllegalArgumentException.class, () -> new ThreadPool(0));
        assertThrows(IllegalArgumentException.class, () -> new ThreadPool(ThreadPool.MAX_THREADS + 1));
        ThreadPool pool = new ThreadPool(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(10, (start, end) -> { }));
    }
}
