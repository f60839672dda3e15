package dev.gemmaspark.engine.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.FinishReason;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.model.KVCache;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Limits, overload, cancellation and shutdown of the scheduler: nothing is dropped, nothing hangs. */
class SchedulerLimitsTest {
    private static final String MODEL = "gemma3n-tiny6-tinyvocab-f32";
    private static final EngineOptions BASE = EngineOptions.defaults().withThreads(2).withContextLength(64);

    @Test
    void aKvLimitTooSmallForOneSequenceIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmaModel.load(Golden.model(MODEL), BASE.withKvCacheMB(1)
                        .withContextLength(2048).withBatchTokens(2048)).close());
        assertTrue(e.getMessage().contains("kvCacheMB=1 is too small for one sequence"), e.getMessage());
    }

    @Test
    void moreRequestsThanFitAllCompleteInOrderOfArrival() throws Exception {
        // 64-token sequences of this model take 384 KiB of cache each, so a 1 MiB budget lets 2 of the 16
        // allowed sequences live at once and the other requests queue
        assertEquals(384 << 10, KVCache.bytesFor(Golden.config(MODEL), 64, BASE.batchTokens()));
        try (GemmaModel model = GemmaModel.load(Golden.model(MODEL), BASE.withMaxSequences(16).withKvCacheMB(1))) {
            AtomicInteger clock = new AtomicInteger();
            int n = 12;
            int[] firstToken = new int[n];
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                firstToken[i] = -1;
                futures.add(model.submit(GenerationRequest.raw("Once upon a time " + i,
                        SamplingParams.GREEDY.withMaxTokens(5)), (tok, text) -> {
                            if (firstToken[id] < 0) {
                                firstToken[id] = clock.getAndIncrement();
                            }
                        }));
            }
            for (int i = 0; i < n; i++) {
                GenerationResult r = futures.get(i).get();
                assertEquals(5, r.outputTokenCount(), "request " + i);
                assertEquals(FinishReason.LENGTH, r.finishReason());
            }
            for (int i = 2; i < n; i++) {
                assertTrue(firstToken[i] > firstToken[i - 2], "request " + i + " started before request " + (i - 2)
                        + " finished its first token");
            }
        }
    }

    @Test
    void badRequestsFailAloneInABatch() {
        try (GemmaModel model = GemmaModel.load(Golden.model(MODEL), BASE)) {
            String tooLong = "word ".repeat(200);
            List<GenerationResult> results = model.generateAll(List.of(
                    GenerationRequest.raw("Hi", SamplingParams.GREEDY.withMaxTokens(3)),
                    GenerationRequest.raw(tooLong, SamplingParams.GREEDY.withMaxTokens(3)),
                    GenerationRequest.tokens(new int[0], SamplingParams.GREEDY),
                    GenerationRequest.raw("Hi", SamplingParams.GREEDY.withMaxTokens(3))));
            assertEquals(3, results.get(0).outputTokenCount());
            assertNull(results.get(0).error());
            assertEquals(FinishReason.ERROR, results.get(1).finishReason());
            assertTrue(results.get(1).error().contains("does not fit the context length 64"), results.get(1).error());
            assertEquals(FinishReason.ERROR, results.get(2).finishReason());
            assertTrue(results.get(2).error().contains("empty prompt"), results.get(2).error());
            assertEquals(results.get(0).text(), results.get(3).text());
        }
    }

    @Test
    void cancellingOneRequestLeavesTheOthersRunning() throws Exception {
        try (GemmaModel model = GemmaModel.load(Golden.model(MODEL), BASE)) {
            CompletableFuture<GenerationResult> cancelled = model.submit(
                    GenerationRequest.raw("Once", SamplingParams.GREEDY.withMaxTokens(60)), null);
            CompletableFuture<GenerationResult> other = model.submit(
                    GenerationRequest.raw("Upon", SamplingParams.GREEDY.withMaxTokens(8)), null);
            cancelled.cancel(true);
            assertThrows(CancellationException.class, cancelled::get);
            assertEquals(8, other.get().outputTokenCount());
        }
    }

    @Test
    void closingFailsPendingRequestsWithAClearError() {
        CompletableFuture<GenerationResult> pending;
        GemmaModel model = GemmaModel.load(Golden.model(MODEL), BASE.withMaxSequences(1));
        model.submit(GenerationRequest.raw("Once", SamplingParams.GREEDY.withMaxTokens(50)), null);
        pending = model.submit(GenerationRequest.raw("Upon", SamplingParams.GREEDY.withMaxTokens(50)), null);
        model.close();
        ExecutionException e = assertThrows(ExecutionException.class, pending::get);
        assertTrue(e.getCause().getMessage().contains("the model was closed"), e.getCause().getMessage());
    }
}
