package dev.gemmaspark.engine.vision;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.synth.ImageTokenModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * llama.cpp's reference data for image input under test resources {@code golden/vision/} (see its README): two
 * random-weight projectors, three PNG images, and per projector x image the preprocessed pixels, projector outputs
 * and logits.
 */
public final class VisionGolden {
    public static final String S1 = "mmproj-gemma3nv-s1-seed1-f32";
    public static final String S2 = "mmproj-gemma3nv-s2-seed2-f16";
    public static final List<String> PROJECTORS = List.of(S1, S2);
    public static final List<String> IMAGES = List.of("g0_gradient_320x200", "g1_checker_150x260", "g2_photo_380x285");
    /** The image marker ids of the test text model (control tokens appended to the 500-token vocabulary). */
    public static final int START_OF_IMAGE = 500;
    public static final int END_OF_IMAGE = 501;
    private static Path textModel;

    private VisionGolden() {
    }

    public static Path path(String relative) {
        return Golden.path("vision/" + relative);
    }

    public static Path projector(String name) {
        return path("models/" + name + ".gguf");
    }

    public static Path image(String name) {
        return path("images/" + name + ".png");
    }

    public static String run(String projector, String image) {
        return "refs/" + projector + "/" + image + "/";
    }

    public static Golden.Npy npy(String relative) {
        return Golden.npyArray("vision/" + relative);
    }

    public static JsonNode json(String relative) {
        return Golden.json("vision/" + relative);
    }

    /**
     * The golden text model {@code gemma3n-tiny6img-tinyvocab-f32}: the text golden model {@code
     * gemma3n-tiny6-tinyvocab-f32} with {@code <start_of_image>} (500) and {@code <end_of_image>} (501) appended as
     * control tokens and their two rows appended to {@code token_embd} and {@code per_layer_token_embd}; every other
     * tensor and token is that file's (the golden README says so, checked element by element). Only the two rows
     * are kept under {@code vision/models/}, and the file is rebuilt here once per JVM.
     */
    public static synchronized Path textModel() {
        if (textModel == null) {
            try {
                Path out = Files.createTempFile("gemma3n-tiny6img-tinyvocab-f32", ".gguf");
                out.toFile().deleteOnExit();
                ImageTokenModel.writeGolden(Golden.path(""), out);
                textModel = out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return textModel;
    }

    /** max |a - b| / max |b|. */
    public static double relativeError(float[] actual, int aOff, float[] expected, int eOff, int n) {
        double diff = 0;
        double max = 0;
        for (int i = 0; i < n; i++) {
            diff = Math.max(diff, Math.abs(actual[aOff + i] - expected[eOff + i]));
            max = Math.max(max, Math.abs(expected[eOff + i]));
        }
        return diff / max;
    }
}
