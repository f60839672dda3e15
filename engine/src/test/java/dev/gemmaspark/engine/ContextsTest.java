package dev.gemmaspark.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Contexts over shared weights, prompt length limits and cancellation, on the tiny golden Q4_0 model. */
class ContextsTest {
    private static final String MODEL = "gemma3n-tiny6q-tinyvocab-Q4_0";
    private static final SamplingParams GREEDY = SamplingParams.GREEDY.withMaxTokens(8);
    private static GemmaWeights weights;

    @BeforeAll
    static void load() {
        weights = GemmaWeights.load(Golden.model(MODEL), null, false);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    private static GemmaModel context(int contextLength, int threads) {
        return GemmaModel.create(weights, EngineOptions.defaults().withThreads(threads).withContextLength(contextLength));
    }

    @Test
    void contextsOnSharedWeightsGenerateWhatAModelLoadedAloneDoes() {
        List<GenerationRequest> prompts = List.of(GenerationRequest.chat("The quick brown fox", GREEDY),
                GenerationRequest.chat("Once upon a time", GREEDY));
        List<GenerationResult> alone;
        try (GemmaModel own = GemmaModel.load(Golden.model(MODEL), EngineOptions.defaults().withThreads(1))) {
            alone = own.generateAll(prompts);
        }
        try (GemmaModel small = context(256, 1); GemmaModel large = context(1024, 2)) {
            assertEquals(256, small.contextLength());
            assertEquals(1024, large.contextLength());
            for (GemmaModel m : List.of(small, large)) {
                List<GenerationResult> shared = m.generateAll(prompts);
                for (int i = 0; i < prompts.size(); i++) {
                    assertArrayEquals(alone.get(i).tokens(), shared.get(i).tokens(), "prompt " + i);
                }
            }
        }
        // closing the contexts left the weights usable
        try (GemmaModel again = context(128, 1)) {
            assertArrayEquals(alone.get(0).tokens(), again.generate(prompts.get(0)).tokens());
        }
    }

    @Test
    void aTextTooLongForTheContextIsRefusedBeforeTokenizing() {
        String huge = "word ".repeat(2_000_000);
        try (GemmaModel m = context(256, 1)) {
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            PromptTooLongException e = assertThrows(PromptTooLongException.class,
                    () -> m.submit(GenerationRequest.chat(huge, GREEDY), null));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(e.getMessage().contains("10000000 characters does not fit"), e.getMessage());
            assertTrue(e.getMessage().contains("context length 256"), e.getMessage());
            // tokenizing 10 MB would allocate hundreds of megabytes; the refusal only builds its message
            assertTrue(allocated < 1 << 20, allocated + " bytes allocated");
            assertThrows(PromptTooLongException.class, () -> m.submitScore(null, huge, false));
            assertThrows(PromptTooLongException.class, () -> m.submitClassify(List.of(ChatMessage.user(huge)),
                    List.of("a", "b"), false));
        }
    }

    @Test
    void truncationKeepsTheHeadAndLeavesRoomForTheAnswer() {
        String text = "one two three four five six seven eight nine ten ".repeat(400);
        try (GemmaModel m = context(256, 1)) {
            GenerationRequest full = GenerationRequest.chat(text, GREEDY);
            assertThrows(PromptTooLongException.class, () -> m.promptTokens(full));
            int[] cut = m.promptTokens(full.withTruncate(true));
            assertEquals(256 - GREEDY.maxTokens(), cut.length);
            int[] head = m.tokenizer().encodeChat(List.of(ChatMessage.user(text.substring(0, 2000))), true, false);
            // the same tokens as the text's head, up to the closing markers that follow the cut content (and the
            // last few pieces, which may merge differently where the head was cut)
            int same = cut.length - 16;
            assertArrayEquals(Arrays.copyOf(head, same), Arrays.copyOf(cut, same));
            GenerationResult r = m.generate(full.withTruncate(true));
            assertEquals(GREEDY.maxTokens(), r.outputTokenCount());
        }
    }

    @Test
    void aCancelledCallerLeavesNothingRunningInTheEngine() throws Exception {
        try (GemmaModel m = context(512, 1)) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                requests.add(GenerationRequest.chat("Count to " + i, GREEDY.withMaxTokens(300).withIgnoreEos(true)));
            }
            AtomicBoolean cancelled = new AtomicBoolean();
            Thread canceller = Thread.ofPlatform().start(() -> {
                while (m.liveRequests() == 0) {
                    Thread.onSpinWait();
                }
                cancelled.set(true);
            });
            assertThrows(CancellationException.class, () -> m.generateAll(requests, cancelled::get));
            canceller.join();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (m.liveRequests() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, m.liveRequests());
            // the context goes on serving
            assertEquals(GREEDY.maxTokens(), m.generate(GenerationRequest.chat("Hi", GREEDY.withIgnoreEos(true)))
                    .outputTokenCount());
        }
    }
}
