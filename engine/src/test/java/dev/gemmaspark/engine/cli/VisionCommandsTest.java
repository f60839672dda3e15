package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.vision.VisionGolden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate}, {@code logits}, {@code embed-image} and {@code info} with a vision projector, against llama.cpp's
 * reference run of the F32 test projector on the gradient image (golden {@code vision/}).
 */
class VisionCommandsTest {
    private static final String MMPROJ = VisionGolden.projector(VisionGolden.S1).toString();
    private static final String IMAGE = VisionGolden.image(VisionGolden.IMAGES.getFirst()).toString();
    private static final String RUN = VisionGolden.run(VisionGolden.S1, VisionGolden.IMAGES.getFirst());
    private static final JsonNode REF = VisionGolden.json(RUN + "default.json");

    @Test
    void generateWithAnImageGivesLlamaCppsPromptAndTokens() throws IOException {
        CliRun r = CliRun.of("generate", "--model", VisionGolden.textModel().toString(), "--mmproj", MMPROJ, "--image",
                IMAGE, "--raw", "--parse-special", "--json", "--temperature", "0", "--max-tokens", "16", "--threads",
                "2", "--prompt", "<start_of_turn>user\nDescribe this image.\n\n<image>\n\nWhat is in it?<end_of_turn>\n"
                        + "<start_of_turn>model\n");
        assertEquals(0, r.status(), r.err());
        JsonNode out = Main.JSON.readTree(r.out());
        int[] expected = Arrays.stream(Golden.ints(REF.get("position_tokens"))).map(t -> Math.max(t, 0)).toArray();
        assertArrayEquals(expected, Golden.ints(out.get("prompt_tokens")));
        assertArrayEquals(Golden.ints(REF.get("generated_tokens")), Golden.ints(out.get("tokens")));
    }

    /** Rows for every position, image positions included; within the F16 roundings of llama.cpp's vision graph. */
    @Test
    void logitsHaveARowForEveryPositionOfTheImagePrompt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("logits.npy");
        String tokens = Arrays.stream(Golden.ints(REF.get("position_tokens"))).filter(t -> t >= 0)
                .mapToObj(Integer::toString).collect(Collectors.joining(","));
        CliRun r = CliRun.of("logits", "--model", VisionGolden.textModel().toString(), "--mmproj", MMPROJ, "--image",
                IMAGE, "--threads", "2", "--out", file.toString(), "--tokens", tokens);
        assertEquals(0, r.status(), r.err());
        NpyArray logits = NpyArray.read(file);
        assertArrayEquals(new int[] {294, 502}, logits.shape());
        float[] ref = VisionGolden.npy(RUN + "default.prompt_logits.npy").floats();
        float diff = Golden.maxAbsDiff(logits.data(), 0, ref, 0, ref.length);
        assertTrue(diff < 0.3, "max |Δ| " + diff);
    }

    @Test
    void embedImageWritesTheProjectorOutput(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("e.npy");
        CliRun r = CliRun.of("embed-image", "--mmproj", MMPROJ, "--image", IMAGE, "--out", file.toString(), "--threads",
                "2");
        assertEquals(0, r.status(), r.err());
        NpyArray e = NpyArray.read(file);
        assertArrayEquals(new int[] {256, 128}, e.shape());
        float[] ref = VisionGolden.npy(RUN + "exact_f32.embd.npy").floats();
        assertTrue(Golden.maxAbsDiff(e.data(), 0, ref, 0, ref.length) < 1e-4 * Golden.maxAbs(ref));
    }

    @Test
    void infoReportsTheProjectorsNetwork() throws IOException {
        CliRun r = CliRun.of("info", "--mmproj", MMPROJ, "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode info = Main.JSON.readTree(r.out());
        assertEquals(256, info.get("image_size").asInt());
        assertEquals(118344, info.get("parameters").asLong()); // the golden README's count
        assertEquals(11, info.get("blocks").asInt());
        assertTrue(info.get("network").get(7).asText().startsWith("v.blk.2.2: multi-query attention, 2 heads x 8"));
    }

    /** A run small enough for a test: the numbers are timings, so only the report's shape and the cost are checked. */
    @Test
    void benchImageReportsEncoderAndCaptionRates() throws IOException {
        CliRun r = CliRun.of("bench", "--model", VisionGolden.textModel().toString(), "--mmproj", MMPROJ, "--image",
                "-n", "2", "-r", "1", "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode report = Main.JSON.readTree(r.out());
        assertEquals(92_721_152L, report.get("multiply_adds").asLong()); // the golden projector's .json
        assertTrue(report.get("images_per_second").get("mean").asDouble() > 0);
        assertTrue(report.get("captions_per_second").get("mean").asDouble() > 0);
        CliRun noProjector = CliRun.of("bench", "--model", VisionGolden.textModel().toString(), "--image");
        assertEquals(2, noProjector.status());
        assertEquals("gemma-spark: option --image: needs --mmproj\n", noProjector.err());
    }

    @Test
    void badInputGetsOneLine(@TempDir Path dir) throws IOException {
        String model = VisionGolden.textModel().toString();
        CliRun noProjector = CliRun.of("generate", "--model", model, "--image", IMAGE, "--prompt", "hi");
        assertEquals(2, noProjector.status());
        assertEquals("gemma-spark: option --image: images need the vision projector: give --mmproj\n", noProjector.err());

        Path bad = dir.resolve("bad.png");
        Files.writeString(bad, "not a picture");
        CliRun undecodable = CliRun.of("embed-image", "--mmproj", MMPROJ, "--image", bad.toString(), "--out",
                dir.resolve("e.npy").toString());
        assertEquals(1, undecodable.status());
        assertTrue(undecodable.err().startsWith("gemma-spark: " + bad + ": not an image in a supported format"),
                undecodable.err());
        assertEquals(1, undecodable.err().lines().count());

        CliRun textModel = CliRun.of("embed-image", "--mmproj", model, "--image", IMAGE, "--out",
                dir.resolve("e.npy").toString());
        assertEquals(1, textModel.status());
        assertTrue(textModel.err().startsWith("gemma-spark: " + model + ": not a vision projector (mmproj) file"),
                textModel.err());
    }
}
