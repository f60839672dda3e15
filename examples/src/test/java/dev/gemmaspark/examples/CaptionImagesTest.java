package dev.gemmaspark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.gemmaspark.connector.runtime.Prompts;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.vision.ImageDecoder;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The caption example end to end on local[*] with the golden vision model run-caption.sh uses by default, over the
 * sample images: every image's row equals the engine's own generation for the file with the caption prompt.
 */
class CaptionImagesTest {
    private static final Path GOLDEN = Paths.get("../engine/src/test/resources/golden").toAbsolutePath().normalize();
    private static final Path IMAGES = Paths.get("data/images").toAbsolutePath();
    private static final Map<String, String> OPTIONS = Map.of("spark.gemma.maxTokens", "6",
            "spark.gemma.contextLength", "512", "spark.ui.enabled", "false");

    @Test
    void writesOneCaptionPerImage(@TempDir Path dir) throws Exception {
        GoldenVisionModel model = GoldenVisionModel.write(GOLDEN, dir.resolve("model"));
        Path output = dir.resolve("captions");
        ExampleRun.run(OPTIONS, () -> CaptionImages.main(new String[] {"--model", model.gguf().toString(), "--mmproj",
                model.mmproj().toString(), "--input", IMAGES + "/*.png", "--output", output.toString()}));

        List<Row> rows = ExampleRun.rowsByPath(output);
        List<Path> files = ExampleRun.files(IMAGES, ".png");
        assertEquals(4, files.size());
        assertEquals(files.size(), rows.size());
        List<GenerationRequest> requests = new ArrayList<>();
        for (Path f : files) {
            requests.add(GenerationRequest.chat(List.of(ChatMessage.user(Prompts.caption(20))),
                    SamplingParams.GREEDY.withMaxTokens(6)).withImages(List.of(ImageDecoder.decode(f))));
        }
        List<GenerationResult> expected;
        try (GemmaModel engine = GemmaModel.load(model.gguf(), null, model.mmproj(),
                EngineOptions.defaults().withThreads(2).withContextLength(512))) {
            expected = engine.generateAll(requests);
        }
        for (int i = 0; i < files.size(); i++) {
            Row r = rows.get(i);
            assertEquals(files.get(i).toUri().getPath(), Paths.get(java.net.URI.create(r.getString(0))).toString());
            assertNull(r.getString(5), files.get(i).toString());
            assertEquals(expected.get(i).text(), r.getString(1), files.get(i).toString());
            assertEquals(expected.get(i).promptTokenCount(), r.getInt(2));
            assertEquals(expected.get(i).outputTokenCount(), r.getInt(3));
        }
        assertNotEquals(rows.get(0).getString(1), rows.get(1).getString(1), "two images gave the same caption");
    }
}
