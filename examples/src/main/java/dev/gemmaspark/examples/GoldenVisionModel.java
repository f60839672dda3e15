package dev.gemmaspark.examples;

import dev.gemmaspark.engine.synth.ImageTokenModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The model {@code run-caption.sh} uses when it is given none: the engine's golden tiny text model with the image
 * tokens, {@code gemma3n-tiny6img-tinyvocab-f32} (engine/src/test/resources/golden/vision/README.md: the tiny f32
 * text model with {@code <start_of_image>} and {@code <end_of_image>} appended, whose two embedding rows are kept
 * as .npy beside the projectors), rebuilt from those files, and the golden S = 256 random-weight projector. Both
 * are random weights: the captions are noise; they only show that the pipeline runs.
 * {@code GoldenVisionModel <golden folder> <output folder>}.
 *
 * @param gguf   the text model
 * @param mmproj the vision projector
 */
public record GoldenVisionModel(Path gguf, Path mmproj) {

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: GoldenVisionModel <golden folder> <output folder>");
        }
        GoldenVisionModel m = write(Path.of(args[0]), Path.of(args[1]));
        System.out.println(m.gguf() + " " + m.mmproj());
    }

    /** Writes the model into {@code out} from {@code golden}, such as {@code engine/src/test/resources/golden}. */
    public static GoldenVisionModel write(Path golden, Path out) throws IOException {
        Files.createDirectories(out);
        Path gguf = out.resolve("tiny-image.gguf");
        ImageTokenModel.writeGolden(golden, gguf);
        Path mmproj = out.resolve("mmproj.gguf");
        Files.copy(golden.resolve("vision/models/mmproj-gemma3nv-s1-seed1-f32.gguf"), mmproj,
                StandardCopyOption.REPLACE_EXISTING);
        return new GoldenVisionModel(gguf, mmproj);
    }

}
