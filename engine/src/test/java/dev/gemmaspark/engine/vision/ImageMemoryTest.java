package dev.gemmaspark.engine.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Decodes that do not fit beside each other wait their turn; one waiting can be cancelled by an interrupt. */
class ImageMemoryTest {
    private static final long MIB = 1L << 20;

    @Test
    void aDecodeWaitsUntilTheOnesBeforeItHaveLeftRoom() throws Exception {
        ImageMemory memory = new ImageMemory(10 * MIB);
        CompletableFuture<Void> second;
        CompletableFuture<Void> third;
        try (ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory());
                ImageMemory.Lease first = memory.reserve(8 * MIB, () -> "first")) {
            second = CompletableFuture.runAsync(() -> memory.reserve(8 * MIB, () -> "second").close(), threads);
            awaitWaiting(memory, 1);
            third = CompletableFuture.runAsync(() -> memory.reserve(MIB, () -> "third").close(), threads);
            awaitWaiting(memory, 2);
            assertFalse(second.isDone(), "8 + 8 MiB do not fit in 10");
            assertFalse(third.isDone(), "first come, first served: 1 MiB would fit, but waits behind the second");
        }
        second.get(30, TimeUnit.SECONDS);
        third.get(30, TimeUnit.SECONDS);
        try (ImageMemory.Lease all = memory.reserve(10 * MIB, () -> "all")) {
            assertTrue(all != null, "every lease was given back");
        }
    }

    @Test
    void anInterruptWhileWaitingCancelsTheDecode() throws Exception {
        ImageMemory memory = new ImageMemory(4 * MIB);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        try (ImageMemory.Lease first = memory.reserve(4 * MIB, () -> "first")) {
            Thread waiting = new Thread(() -> {
                try (ImageMemory.Lease lease = memory.reserve(MIB, () -> "the PNG image of 2 x 2 pixels")) {
                    thrown.set(null);
                } catch (RuntimeException e) {
                    thrown.set(e);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            });
            waiting.start();
            awaitWaiting(memory, 1);
            waiting.interrupt();
            waiting.join(30_000);
        }
        CancellationException e = assertInstanceOf(CancellationException.class, thrown.get());
        assertEquals("the PNG image of 2 x 2 pixels: interrupted while waiting for heap to decode it", e.getMessage());
        assertTrue(flag.get(), "the thread's interrupt flag stays set for the code above");
    }

    /** The budget is counted in whole KiB: a decode in its last partial KiB could never be served, so it is refused. */
    @Test
    void aDecodeLargerThanTheWholeKibOfTheBudgetIsRefusedNotLeftWaiting() {
        ImageMemory memory = new ImageMemory(10 * 1024 + 512);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> memory.reserve(10 * 1024 + 100, () -> "the PNG image of 1 x 3445 pixels"));
        assertTrue(e.getMessage().startsWith("the PNG image of 1 x 3445 pixels needs about 1 MiB of heap"), e.getMessage());
        memory.reserve(10 * 1024, () -> "exactly the whole KiB").close();
    }

    private static void awaitWaiting(ImageMemory memory, int decodes) throws InterruptedException {
        for (int i = 0; i < 3000 && memory.waiting() < decodes; i++) {
            Thread.sleep(10);
        }
        assertEquals(decodes, memory.waiting(), "decodes waiting");
    }
}
