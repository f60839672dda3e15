package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.model.TensorObserver;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What a failing forward pass does to the requests: an Error (a fault reading the mapped model file, memory
 * exhausted) breaks the scheduler and fails every request it holds and every later one, naming the file; a
 * RuntimeException fails only the requests in that pass. No caller is left waiting.
 */
class SchedulerFailureTest {
    private static final String MODEL = "gemma3n-tiny6-tinyvocab-f32";
    /** Guards against the hang this test is about: a future that never completes fails the test instead. */
    private static final long TIMEOUT_S = 60;

    static int[] prompt(String pid) {
        return Golden.ints(Golden.json("refs/" + MODEL + "/" + pid + ".json").get("prompt_tokens"));
    }

    /** Throws what {@code failure} makes at layer 3 of the passes after it is armed, once. */
    private static final class Failing implements TensorObserver {
        final AtomicReference<Supplier<Throwable>> armed = new AtomicReference<>();

        @Override
        public void observe(String name, float[] data, int offset, int length) {
            if (name.equals("kqv_out-3")) {
                Supplier<Throwable> f = armed.getAndSet(null);
                if (f != null) {
                    Throwable t = f.get();
                    if (t instanceof Error e) {
                        throw e;
                    }
                    throw (RuntimeException) t;
                }
            }
        }
    }

    private static Throwable failureOf(CompletableFuture<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(TIMEOUT_S, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static void anErrorBreaksTheScheduler(Throwable error, String... inMessage) throws Exception {
        Failing observer = new Failing();
        // two caches: two generations run, the rest of the requests wait or sit in the queue
        try (SchedulerFixture f = new SchedulerFixture(MODEL, 2, new SchedulerOptions(2, 16, 128), false, observer)) {
            Scheduler s = f.scheduler;
            List<CompletableFuture<?>> pending = new ArrayList<>();
            int[] tokens = new int[1];
            // the error comes only once every request was submitted: on a busy machine the scheduler could
            // otherwise break while this thread still submits, and the submission throw
            CountDownLatch submitted = new CountDownLatch(1);
            pending.add(s.submit(prompt("p1_story"), SamplingParams.GREEDY.withMaxTokens(40), (token, piece) -> {
                if (++tokens[0] == 3) {
                    try {
                        submitted.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    observer.armed.set(() -> error);
                }
            }));
            for (String pid : new String[] {"p0_short", "p2_chat", "p4_one"}) {
                pending.add(s.submit(prompt(pid), SamplingParams.GREEDY.withMaxTokens(40), null));
            }
            pending.add(s.submitScore(prompt("p3_long"), 1, 2));
            pending.add(s.submitClassify(prompt("p0_short"), List.of(prompt("p4_one"), prompt("p2_chat"))));
            submitted.countDown();
            for (CompletableFuture<?> p : pending) {
                Throwable t = failureOf(p);
                assertInstanceOf(IllegalStateException.class, t);
                assertSame(error, t.getCause());
                assertTrue(t.getMessage().startsWith("model " + f.path() + " failed: "), t.getMessage());
                for (String m : inMessage) {
                    assertTrue(t.getMessage().contains(m), t.getMessage());
                }
            }
            assertSame(error, s.failure());
            assertEquals(0, s.liveCount());
            IllegalStateException later = assertThrows(IllegalStateException.class,
                    () -> s.submitScore(prompt("p0_short"), 1, 0));
            assertTrue(later.getMessage().contains(f.path()), later.getMessage());
            assertSame(error, later.getCause());
        }
    }

    @Test
    void aFaultReadingTheMappedFileFailsEveryRequestNamingTheFile() throws Exception {
        anErrorBreaksTheScheduler(new InternalError("a fault occurred in an unsafe memory access operation"),
                "java.lang.InternalError: a fault occurred in an unsafe memory access operation",
                "replace model files by rename, never rewrite them in place");
    }

    @Test
    void runningOutOfMemoryFailsEveryRequest() throws Exception {
        anErrorBreaksTheScheduler(new OutOfMemoryError("Java heap space"), "java.lang.OutOfMemoryError: Java heap space");
    }

    @Test
    void aRuntimeExceptionFailsOnlyTheRequestsInThatPass() throws Exception {
        Failing observer = new Failing();
        try (SchedulerFixture f = new SchedulerFixture(MODEL, 2, new SchedulerOptions(1, 16, 128), false, observer)) {
            Scheduler s = f.scheduler;
            SamplingParams params = SamplingParams.GREEDY.withMaxTokens(6);
            GenerationResult before = s.submit(prompt("p0_short"), params, null).get(TIMEOUT_S, TimeUnit.SECONDS);
            IllegalStateException boom = new IllegalStateException("boom");
            observer.armed.set(() -> boom);
            // one cache: the second request waits while the first one's pass fails
            CompletableFuture<GenerationResult> failed = s.submit(prompt("p1_story"), params, null);
            CompletableFuture<GenerationResult> after = s.submit(prompt("p0_short"), params, null);
            assertSame(boom, failureOf(failed));
            assertArrayEquals(before.tokens(), after.get(TIMEOUT_S, TimeUnit.SECONDS).tokens());
            assertNull(s.failure());
            SchedulerCancellationTest.awaitEmpty(s);
        }
    }
}
