package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.cli.BenchCommand.Stat;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.sampling.SamplingParams;
import dev.gemmaspark.engine.vision.RgbImage;
import dev.gemmaspark.engine.vision.VisionEncoder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * {@code bench --image}: the vision encoder's images per second (and its arithmetic rate, from the multiply-adds of
 * the tower) and whole captions per second, on a synthetic 640 x 480 image (a colour gradient with noise),
 * letterboxed as every image is. The encoder is timed through its own {@link VisionEncoder} over the same projector
 * and thread count as the model's; captions generate a fixed number of tokens (end-of-generation ignored), so every
 * run does the same work. One untimed caption warms the JIT up first.
 */
final class ImageBench {
    static final Option IMAGE = Option.flag("--image",
            "measure the vision encoder and whole image captions instead (needs --mmproj, e.g. from synth --vision);"
                    + " -n is then the caption's tokens (default 32)");
    private static final String PROMPT = "Describe this image.";
    static final int DEFAULT_TOKENS = 32;
    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;

    private ImageBench() {
    }

    static void run(Arguments args, int tokens, int reps, boolean json, PrintStream out) throws IOException {
        UsageException.require(args.has(ModelOptions.MMPROJ.name()), IMAGE.name(), "needs --mmproj");
        Path mmproj = args.path(ModelOptions.MMPROJ.name());
        RgbImage image = testImage();
        try (GemmaModel model = ModelOptions.load(args, System.err)) {
            int threads = model.options().threads();
            double[] encoder = new double[reps];
            long multiplyAdds;
            int blocks;
            int size;
            try (ThreadPool pool = new ThreadPool(threads); VisionEncoder vision = VisionEncoder.load(mmproj, pool)) {
                multiplyAdds = vision.multiplyAdds();
                blocks = vision.config().blockCount();
                size = vision.config().imageSize();
                vision.embed(image);
                for (int r = 0; r < reps; r++) {
                    encoder[r] = seconds(() -> vision.embed(image));
                }
            }
            GenerationRequest caption = GenerationRequest.chat(PROMPT, SamplingParams.GREEDY.withMaxTokens(tokens)
                    .withIgnoreEos(true)).withImages(List.of(image));
            generate(model, caption);
            double[] captions = new double[reps];
            for (int r = 0; r < reps; r++) {
                captions[r] = seconds(() -> generate(model, caption));
            }
            Report report = new Report(mmproj, threads, reps, size, blocks, multiplyAdds, tokens, Stat.of(encoder),
                    Stat.of(Arrays.stream(encoder).map(s -> 1 / s).toArray()),
                    Stat.of(Arrays.stream(encoder).map(s -> 2 * multiplyAdds / s / 1e9).toArray()), Stat.of(captions),
                    Stat.of(Arrays.stream(captions).map(s -> 1 / s).toArray()), BenchCommand.peakResidentBytes());
            if (json) {
                out.println(Main.JSON.writeValueAsString(report.json()));
            } else {
                report.print(out);
            }
        }
    }

    private static GenerationResult generate(GemmaModel model, GenerationRequest request) {
        GenerationResult g = model.generate(request);
        if (g.error() != null) {
            throw new IllegalStateException("caption failed: " + g.error());
        }
        return g;
    }

    /** A diagonal colour gradient with uniform noise of +-8 levels (seeded, so repeatable). */
    static RgbImage testImage() {
        SplittableRandom noise = new SplittableRandom(42);
        byte[] rgb = new byte[WIDTH * HEIGHT * 3];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int[] v = {255 * x / WIDTH, 255 * y / HEIGHT, 255 * (x + y) / (WIDTH + HEIGHT)};
                for (int c = 0; c < 3; c++) {
                    rgb[(y * WIDTH + x) * 3 + c] = (byte) Math.clamp(v[c] + noise.nextInt(-8, 9), 0, 255);
                }
            }
        }
        return new RgbImage(WIDTH, HEIGHT, rgb);
    }

    private static double seconds(Supplier<?> run) {
        long start = System.nanoTime();
        run.get();
        return (System.nanoTime() - start) / 1e9;
    }

    private record Report(Path mmproj, int threads, int reps, int size, int blocks, long multiplyAdds, int tokens,
                          Stat encoderSeconds, Stat imagesPerSecond, Stat gflops, Stat captionSeconds,
                          Stat captionsPerSecond, long peakBytes) {

        void print(PrintStream out) {
            out.printf(Locale.ROOT, "projector %s: %d blocks at %d x %d, %.1f G multiply-adds per image; %d threads, %d"
                    + " repetitions%n", mmproj, blocks, size, size, multiplyAdds / 1e9, threads, reps);
            out.printf(Locale.ROOT, "image %d x %d (gradient + noise), captions of %d tokens%n", WIDTH, HEIGHT, tokens);
            out.printf(Locale.ROOT, "%-10s %18s %18s %18s%n", "test", "seconds", "per second", "GFLOP/s");
            out.printf(Locale.ROOT, "%-10s %18s %18s %18s%n", "encoder", format(encoderSeconds), format(imagesPerSecond),
                    format(gflops));
            out.printf(Locale.ROOT, "%-10s %18s %18s%n", "caption", format(captionSeconds), format(captionsPerSecond));
            out.printf(Locale.ROOT, "%npeak resident memory %.0f MiB%n", peakBytes / 1048576.0);
        }

        private static String format(Stat s) {
            return String.format(Locale.ROOT, "%8.3f ± %.3f", s.mean(), s.sd());
        }

        ObjectNode json() {
            ObjectNode o = Main.JSON.createObjectNode();
            o.put("mmproj", mmproj.toString()).put("threads", threads).put("repetitions", reps).put("image_size", size)
                    .put("blocks", blocks).put("multiply_adds", multiplyAdds).put("caption_tokens", tokens);
            o.set("encoder_seconds", encoderSeconds.json());
            o.set("images_per_second", imagesPerSecond.json());
            o.set("encoder_gflops", gflops.json());
            o.set("caption_seconds", captionSeconds.json());
            o.set("captions_per_second", captionsPerSecond.json());
            o.put("peak_resident_bytes", peakBytes);
            return o;
        }
    }
}
