package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A cancelled request leaves the scheduler within one step, wherever it was: running, waiting or queued. */
class SchedulerCancellationTest {
    private static final String MODEL = "gemma3n-tiny6-tinyvocab-f32";

    @Test
    void cancellingEveryRequestEmptiesTheSchedulerWithinOneStep() throws Exception {
        try (SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(3, 16, 256))) {
            Scheduler s = f.scheduler;
            int[] longPrompt = SchedulerFailureTest.prompt("p3_long");
            CountDownLatch started = new CountDownLatch(1);
            List<CompletableFuture<?>> futures = new ArrayList<>();
            futures.add(s.submit(SchedulerFailureTest.prompt("p4_one"), SamplingParams.GREEDY.withMaxTokens(200),
                    (token, piece) -> started.countDown()));
            for (int i = 0; i < 4; i++) {
                futures.add(s.submit(SchedulerFailureTest.prompt("p1_story"), SamplingParams.GREEDY.withMaxTokens(200),
                        null));
                futures.add(s.submitScore(longPrompt, 1, 0));
                futures.add(s.submitClassify(Arrays.copyOf(longPrompt, 60), List.of(
                        Arrays.copyOfRange(longPrompt, 60, 80), Arrays.copyOfRange(longPrompt, 80, 100))));
            }
            assertTrue(started.await(60, TimeUnit.SECONDS));
            futures.forEach(fu -> fu.cancel(true));
            long cancelledAt = s.steps();
            awaitEmpty(s);
            assertTrue(s.steps() <= cancelledAt + 1, "left after step " + s.steps() + ", cancelled at " + cancelledAt);
            assertTrue(futures.stream().allMatch(CompletableFuture::isDone));
        }
    }

    /**
     * Closed by an interrupted thread (a killed task releasing its context) in the middle of a generation, the
     * scheduler still returns only once its thread has stopped and failed the request, so that the caller frees the
     * forward pass and KV memory after the last step, not under it; the closing thread keeps its interrupt.
     */
    @Test
    void closeFromAnInterruptedThreadWaitsForTheSchedulerThread() throws Exception {
        SchedulerFixture f = new SchedulerFixture(MODEL, new SchedulerOptions(2, 16, 256));
        try {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<?> running = f.scheduler.submit(SchedulerFailureTest.prompt("p1_story"),
                    SamplingParams.GREEDY.withMaxTokens(200), (token, piece) -> started.countDown());
            assertTrue(started.await(60, TimeUnit.SECONDS));
            boolean[] doneWhenClosed = new boolean[2];
            Thread closer = new Thread(() -> {
                Thread.currentThread().interrupt();
                f.scheduler.close();
                doneWhenClosed[0] = running.isDone();
                doneWhenClosed[1] = Thread.currentThread().isInterrupted();
            });
            closer.start();
            closer.join();
            assertTrue(doneWhenClosed[0], "close() returned before the scheduler thread failed the running request");
            assertTrue(doneWhenClosed[1], "the closing thread lost its interrupt");
        } finally {
            f.close();
        }
    }

    /** Waits until the scheduler holds no request (a request leaves the count just after its future completes). */
    static void awaitEmpty(Scheduler s) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (s.liveCount() > 0 && System.nanoTime() < giveUp) {
            Thread.sleep(1);
        }
        assertEquals(0, s.liveCount());
    }
}
