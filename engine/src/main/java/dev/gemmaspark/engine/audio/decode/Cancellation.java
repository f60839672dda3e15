package dev.gemmaspark.engine.audio.decode;

import java.util.concurrent.CancellationException;

/**
 * Ends long loops when their thread is interrupted, as Spark interrupts a task's thread when it kills the task with
 * interruption. The loops call {@link #check} every {@link #EVERY} samples or frames or so: at most a few
 * milliseconds of work apart.
 */
final class Cancellation {
    static final int EVERY = 1 << 14;

    private Cancellation() {
    }

    /**
     * Throws {@link CancellationException} if the thread is interrupted. The flag stays set (isInterrupted does not
     * clear it), so the code above sees the interrupt too.
     */
    static void check(String what) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException(what + ": interrupted");
        }
    }
}
