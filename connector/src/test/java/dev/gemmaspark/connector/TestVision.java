package dev.gemmaspark.connector;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.synth.ImageTokenModel;
import dev.gemmaspark.engine.tokenizer.ChatMessage;
import dev.gemmaspark.engine.vision.ImageDecoder;
import dev.gemmaspark.engine.vision.RgbImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

/**
 * The image test model: the golden tiny text model with the image tokens, {@code gemma3n-tiny6img-tinyvocab-f32}
 * (engine/src/test/resources/golden/vision/README.md: the tiny f32 text model with {@code <start_of_image>} (500)
 * and {@code <end_of_image>} (501) appended, their rows kept as .npy beside the projectors), rebuilt here as the
 * engine's VisionGolden rebuilds it, the golden S = 256 F32 projector, the golden images, and the engine's own
 * generations on them, which the connector's must equal. Greedy, 6 tokens, context 512, as the session's options.
 */
public final class TestVision {
    public static final Path GOLDEN = Paths.get("../engine/src/test/resources/golden").toAbsolutePath().normalize();
    public static final Path MMPROJ = GOLDEN.resolve("vision/models/mmproj-gemma3nv-s1-seed1-f32.gguf");
    /** RGB, RGBA (alpha to be dropped) and RGB, of different sizes. */
    public static final List<String> IMAGES = List.of("g0_gradient_320x200", "g1_checker_150x260", "g2_photo_380x285");
    public static final Path MODEL;
    /** The options every image call of the tests passes. */
    public static final Map<String, String> OPTIONS;
    private static final SamplingParams SAMPLING = SamplingParams.GREEDY.withMaxTokens(Reference.MAX_TOKENS);
    private static GemmaModel reference;

    static {
        try {
            MODEL = Files.createTempFile("gemma3n-tiny6img-tinyvocab-f32", ".gguf");
            MODEL.toFile().deleteOnExit();
            ImageTokenModel.writeGolden(GOLDEN, MODEL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OPTIONS = Map.of("model", MODEL.toString(), "mmproj", MMPROJ.toString());
    }

    private TestVision() {}

    /** {@link #OPTIONS} and {@code more} as a SQL map literal. */
    public static String optionsSql(Map<String, String> more) {
        return TestSpark.mapSql(OPTIONS, more);
    }

    public static Path image(String name) {
        return GOLDEN.resolve("vision/images/" + name + ".png");
    }

    /** The bytes of golden image {@code name}'s PNG file. */
    public static byte[] png(String name) {
        try {
            return Files.readAllBytes(image(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pixels the engine decodes from a file's bytes. */
    public static RgbImage decode(byte[] file) {
        return ImageDecoder.decode(file);
    }

    /**
     * {@code image} as Spark's image source stores it: the data row-major in OpenCV's order, B, G, R per pixel, then
     * {@code alpha} when that is not null (4 channels).
     */
    public static byte[] bgr(RgbImage image, byte[] alpha) {
        int n = alpha == null ? 3 : 4;
        int pixels = image.width() * image.height();
        byte[] out = new byte[pixels * n];
        for (int p = 0; p < pixels; p++) {
            out[p * n] = image.rgb()[p * 3 + 2];
            out[p * n + 1] = image.rgb()[p * 3 + 1];
            out[p * n + 2] = image.rgb()[p * 3];
            if (alpha != null) {
                out[p * n + 3] = alpha[p];
            }
        }
        return out;
    }

    /** What the engine generates for {@code prompt} as the user turn with each image, greedily, in one batch. */
    public static List<GenerationResult> generate(String prompt, List<RgbImage> images) {
        return referenceModel().generateAll(images.stream().map(i -> GenerationRequest
                .chat(List.of(ChatMessage.user(prompt)), SAMPLING).withImages(List.of(i))).toList());
    }

    /** What the engine generates for a text-only prompt on the image model. */
    public static GenerationResult generate(String prompt) {
        return referenceModel().generate(GenerationRequest.chat(prompt, SAMPLING));
    }

    /** The caption prompt as the connector must word it: the instruction, then the image. */
    public static String captionPrompt(Integer maxWords) {
        return "Describe this image" + (maxWords == null ? "" : " in at most " + maxWords + " words")
                + ". Reply with the description only.\n\n<image>";
    }

    private static synchronized GemmaModel referenceModel() {
        if (reference == null) {
            reference = GemmaModel.load(MODEL, null, MMPROJ, EngineOptions.defaults().withThreads(2)
                    .withContextLength(512));
        }
        return reference;
    }

}
