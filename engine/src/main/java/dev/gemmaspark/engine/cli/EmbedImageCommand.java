package dev.gemmaspark.engine.cli;

import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.vision.ImageDecoder;
import dev.gemmaspark.engine.vision.RgbImage;
import dev.gemmaspark.engine.vision.VisionConfig;
import dev.gemmaspark.engine.vision.VisionEncoder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code embed-image}: an image through the vision tower and projector alone (no text model), written as the
 * float32 {@code .npy} [256, n_embd] that enters the text model at the image's positions: image features.
 */
final class EmbedImageCommand implements Command {
    private static final Option MMPROJ = Option.value("--mmproj", "P.gguf",
            "the Gemma 3n vision projector (mmproj GGUF; required)");
    private static final Option IMAGE = Option.value("--image", "F", "the image file (PNG, JPEG, BMP or GIF; required)");
    private static final Option OUT = Option.value("--out", "E.npy", "the output file (required)");

    @Override
    public String name() {
        return "embed-image";
    }

    @Override
    public String summary() {
        return "the projector output of an image, written as a float32 .npy [256, n_embd]";
    }

    @Override
    public String synopsis() {
        return "--mmproj P.gguf --image F --out E.npy [--threads N]";
    }

    @Override
    public List<Option> options() {
        return List.of(MMPROJ, IMAGE, OUT, ModelOptions.THREADS);
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        Path file = args.path(OUT.name());
        Path mmproj = args.path(MMPROJ.name());
        RgbImage image = ImageDecoder.decode(args.path(IMAGE.name()));
        int threads = ModelOptions.engineOptions(args).threads();
        try (ThreadPool pool = new ThreadPool(threads); VisionEncoder encoder = VisionEncoder.load(mmproj, pool)) {
            long start = System.nanoTime();
            float[] e = encoder.embed(image);
            if (args.has(Main.VERBOSE.name())) {
                err.printf("encoded %d x %d in %.2f s (%d threads)%n", image.width(), image.height(),
                        (System.nanoTime() - start) / 1e9, threads);
            }
            int width = encoder.config().textWidth();
            new NpyArray(new int[] {VisionConfig.TOKENS, width}, e).write(file);
            out.printf("wrote %s: float32 [%d, %d]%n", file, VisionConfig.TOKENS, width);
        }
    }
}
