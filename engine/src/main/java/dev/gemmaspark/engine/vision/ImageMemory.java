package dev.gemmaspark.engine.vision;

import java.util.concurrent.CancellationException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * The heap that images being decoded may take at once, across the JVM's threads. A file of a few kilobytes can
 * declare a 16384 x 16384 image, and ImageIO allocates its whole raster before it reads a pixel: in an executor
 * running several tasks, or a CLI with a 1 GB heap, that is an {@link OutOfMemoryError} that ends the JVM. So a
 * decode reserves what it will hold before it starts: more than the whole budget is refused with a message that
 * says how much, and a decode that fits waits, first come first served, until the ones before it are done.
 */
final class ImageMemory {
    /** Half of the maximum heap: the rest is for the batches and results around the images. */
    static final ImageMemory HEAP = new ImageMemory(Runtime.getRuntime().maxMemory() / 2);

    private static final int KIB_BITS = 10;

    private final long bytes;
    /** The budget in whole KiB: what the semaphore holds, and the most one decode may take. */
    private final int total;
    private final Semaphore kib;

    ImageMemory(long bytes) {
        this.bytes = bytes;
        this.total = (int) Math.min(Integer.MAX_VALUE, bytes >> KIB_BITS);
        this.kib = new Semaphore(total, true);
    }

    /** What a decode holds until its lease is closed. */
    interface Lease extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Reserves {@code need} bytes, waiting while other decodes hold the rest. More than the budget throws
     * {@link IllegalArgumentException} starting with {@code what}; an interrupt while waiting (a killed task) throws
     * {@link CancellationException} with the thread's flag left set.
     */
    Lease reserve(long need, Supplier<String> what) {
        int permits = (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.ceilDiv(need, 1L << KIB_BITS)));
        if (permits > total) {
            throw new IllegalArgumentException(what.get() + " needs about " + mib(need) + " MiB of heap to decode, more "
                    + "than the " + mib(bytes) + " MiB that images may take at once (half of the JVM's maximum heap); "
                    + "give the JVM more heap (spark.executor.memory, or JAVA_OPTS=-Xmx... for the CLI) or make the "
                    + "image smaller");
        }
        try {
            kib.acquire(permits);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(what.get() + ": interrupted while waiting for heap to decode it");
        }
        return () -> kib.release(permits);
    }

    /** Decodes waiting for their share. */
    int waiting() {
        return kib.getQueueLength();
    }

    private static long mib(long b) {
        return Math.ceilDiv(b, 1L << 20);
    }
}
