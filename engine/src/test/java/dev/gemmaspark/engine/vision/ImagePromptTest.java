package dev.gemmaspark.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.model.ForwardPass;
import dev.gemmaspark.engine.model.Gemma3nModel;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.scheduler.PromptEmbeddings;
import dev.gemmaspark.engine.scheduler.Scheduler;
import dev.gemmaspark.engine.scheduler.SchedulerOptions;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images in the prompt, against llama.cpp's logits at every position of the golden prompt ({@code <bos>} ...
 * {@code <start_of_image>}, 256 image positions, {@code <end_of_image>} ... , 294 positions) and its 16 greedy
 * tokens.
 */
class ImagePromptTest {
    private static final String RUN = VisionGolden.run(VisionGolden.S1, VisionGolden.IMAGES.getFirst());
    private static final String PROMPT = "<start_of_turn>user\nDescribe this image.\n\n<image>\n\nWhat is in it?"
            + "<end_of_turn>\n<start_of_turn>model\n";
    private static final int VOCAB = 502;
    private static GemmaModel exact;
    private static GemmaModel fast;
    private static RgbImage image;

    @BeforeAll
    static void load() throws IOException {
        EngineOptions options = EngineOptions.defaults().withThreads(2).withContextLength(1024);
        exact = GemmaModel.load(VisionGolden.textModel(), null, VisionGolden.projector(VisionGolden.S1),
                options.withExactGelu(true));
        fast = GemmaModel.load(VisionGolden.textModel(), null, VisionGolden.projector(VisionGolden.S1), options);
        image = ImageDecoder.decode(VisionGolden.image(VisionGolden.IMAGES.getFirst()));
    }

    @AfterAll
    static void close() {
        exact.close();
        fast.close();
    }

    /** The golden prompt's token ids without the image positions (-1 in the reference). */
    private static int[] textTokens(JsonNode run) {
        return Arrays.stream(Golden.ints(run.get("position_tokens"))).filter(t -> t >= 0).toArray();
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void theMarkerExpandsAsMtmdExpandsIt() {
        int[] expected = Golden.ints(VisionGolden.json(RUN + "exact_f32.json").get("position_tokens"));
        int[] tokens = exact.promptTokens(GenerationRequest.raw(PROMPT, SamplingParams.GREEDY).withParseSpecial(true)
                .withImages(List.of(image)));
        assertArrayEquals(Arrays.stream(expected).map(t -> t < 0 ? PromptEmbeddings.PER_LAYER_TOKEN : t).toArray(), tokens);
    }

    /**
     * Against {@code exact_f32} (F32 vision graph, exact GELU in the decoder too): the embeddings agree to 2e-6
     * relative and the decoder to ~1e-4 as on the text golden data: 5e-4 absolute (measured 8e-5) on logits of
     * magnitude ~5.
     */
    @Test
    void logitsMatchExactF32AtEveryPosition() {
        float[] logits = exact.logits(textTokens(VisionGolden.json(RUN + "exact_f32.json")), List.of(image));
        assertEquals(294 * VOCAB, logits.length);
        double diff = maxAbsDiff(logits, VisionGolden.npy(RUN + "exact_f32.prompt_logits.npy").floats());
        assertTrue(diff < 5e-4, "max |Δ| " + diff);
    }

    /**
     * Against llama.cpp as released ({@code default}): its vision graph rounds GELU, the depthwise inputs and the
     * activations meeting F16 weights to F16 (gemma3n-vision spec 5.1-5.3), which moves its projector output by up
     * to 0.017 from the F32 one on this run and its prompt logits by up to 0.24 (spec 5.5, golden README section
     * 8: 0.2353 between default and exact_f32 here). This engine computes the tower in F32, so it is held to 0.3
     * (measured 0.22); the decoder alone is held tighter below, fed llama.cpp's own embeddings.
     */
    @Test
    void logitsMatchDefaultWithinTheF16RoundingsOfItsVisionGraph() {
        float[] logits = fast.logits(textTokens(VisionGolden.json(RUN + "default.json")), List.of(image));
        double diff = maxAbsDiff(logits, VisionGolden.npy(RUN + "default.prompt_logits.npy").floats());
        assertTrue(diff < 0.3, "max |Δ| " + diff);
    }

    /**
     * llama.cpp's own projector outputs through this decoder, which isolates the prompt path from the vision graph's
     * roundings: {@code exact_f32} (exact GELU) to 2e-4 (measured 3e-5), {@code default} (GELU through the F16
     * table here as there) to 1e-2, the text golden data's tolerance for the table's flipped roundings (measured
     * 1.7e-3).
     */
    @Test
    void theDecoderFedTheReferenceEmbeddingsMatchesLlamaCpp() {
        for (String variant : List.of("exact_f32", "default")) {
            JsonNode run = VisionGolden.json(RUN + variant + ".json");
            int[] positions = Golden.ints(run.get("position_tokens"));
            float[] embd = VisionGolden.npy(RUN + variant + ".embd.npy").floats();
            int[] tokens = Arrays.stream(positions).map(t -> t < 0 ? PromptEmbeddings.PER_LAYER_TOKEN : t).toArray();
            PromptEmbeddings inputs = PromptEmbeddings.forPrompt(tokens.length);
            int first = 23;
            for (int j = 0; j < ImagePrompt.POSITIONS; j++) {
                assertEquals(-1, positions[first + j]);
                inputs.set(first + j, embd, j * 128);
            }
            boolean exactGelu = variant.equals("exact_f32");
            try (GGUFFile file = GGUFFile.open(VisionGolden.textModel()); ThreadPool pool = new ThreadPool(2)) {
                Gemma3nModel model = new Gemma3nModel(file, 512, ActivationRounding.LLAMA_CPP);
                try (Scheduler scheduler = new Scheduler(file.path().toString(), new ForwardPass(model, pool, 64, exactGelu),
                        pool, GemmaTokenizer.fromGGUF(file), new SchedulerOptions(1, 64, 512))) {
                    float[] logits = scheduler.submitLogits(tokens, inputs).join();
                    double diff = maxAbsDiff(logits, VisionGolden.npy(RUN + variant + ".prompt_logits.npy").floats());
                    assertTrue(diff < (exactGelu ? 2e-4 : 1e-2), variant + ": max |Δ| " + diff);
                }
            }
        }
    }

    /**
     * 16 greedy tokens, not stopping at end of generation: those of exact_f32 for every projector and image, and
     * those of default where the golden README says they agree with exact_f32 (all runs of the F32 projector).
     */
    @Test
    void greedyTokensMatchLlamaCpp() throws IOException {
        SamplingParams params = SamplingParams.GREEDY.withMaxTokens(16).withIgnoreEos(true);
        for (String img : VisionGolden.IMAGES) {
            String run = VisionGolden.run(VisionGolden.S1, img);
            RgbImage picture = ImageDecoder.decode(VisionGolden.image(img));
            JsonNode ref = VisionGolden.json(run + "exact_f32.json");
            GenerationRequest request = GenerationRequest.tokens(textTokens(ref), params).withImages(List.of(picture));
            assertArrayEquals(Golden.ints(ref.get("generated_tokens")), exact.generate(request).tokens(), run);
            assertArrayEquals(Golden.ints(VisionGolden.json(run + "default.json").get("generated_tokens")),
                    fast.generate(request).tokens(), run);
        }
    }

    @Test
    void anImageRowBatchedWithTextRowsGivesWhatItGivesAlone() {
        SamplingParams params = SamplingParams.GREEDY.withMaxTokens(8).withIgnoreEos(true);
        GenerationRequest withImage = GenerationRequest.chat("Describe this image.", params).withImages(List.of(image));
        GenerationResult alone = exact.generate(withImage);
        List<GenerationResult> batch = exact.generateAll(List.of(GenerationRequest.chat("hello there", params),
                withImage, GenerationRequest.raw("a plain text row", params), withImage));
        assertArrayEquals(alone.tokens(), batch.get(1).tokens());
        assertArrayEquals(alone.tokens(), batch.get(3).tokens());
        assertEquals(alone.text(), batch.get(1).text());
        assertTrue(batch.get(0).error() == null && batch.get(2).error() == null);
    }

    /** Without a marker the images go first in the last message; two images take two spans in order. */
    @Test
    void severalImagesGoWhereTheMarkersAreOrFirst() throws IOException {
        int start = VisionGolden.START_OF_IMAGE;
        int end = VisionGolden.END_OF_IMAGE;
        RgbImage other = ImageDecoder.decode(VisionGolden.image(VisionGolden.IMAGES.get(1)));
        int[] unmarked = exact.promptTokens(GenerationRequest.chat(List.of(ChatMessage.user("two pictures")),
                SamplingParams.GREEDY).withImages(List.of(image, other)));
        int[] marked = exact.promptTokens(GenerationRequest.chat("<image><image>two pictures", SamplingParams.GREEDY)
                .withImages(List.of(image, other)));
        assertArrayEquals(marked, unmarked);
        int first = indexOf(marked, start, 0);
        assertEquals(end, marked[first + 1 + ImagePrompt.POSITIONS]);
        assertEquals(start, marked[first + 2 + ImagePrompt.POSITIONS]);
        assertEquals(end, marked[first + 3 + 2 * ImagePrompt.POSITIONS]);

        // a prompt that ends after its first image computes the same logits as the two-image prompt up to there
        int[] one = {2, start, end, 300};
        int[] two = {2, start, end, 300, start, end};
        float[] a = exact.logits(one, List.of(image));
        float[] b = exact.logits(two, List.of(image, other));
        assertArrayEquals(a, Arrays.copyOf(b, a.length));
        assertTrue(maxAbsDiff(Arrays.copyOfRange(b, a.length, a.length + VOCAB), Arrays.copyOfRange(b, 0, VOCAB)) > 0);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> exact.promptTokens(
                GenerationRequest.chat("<image> and <image>", SamplingParams.GREEDY).withImages(List.of(image))));
        assertEquals("the prompt has 2 image positions (<image> or <start_of_image>) but 1 image was given",
                e.getMessage());
    }

    private static int indexOf(int[] a, int v, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
