package dev.gemmaspark.engine.cli;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.vision.ImageDecoder;
import dev.gemmaspark.engine.vision.RgbImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options of every command that opens a model: which file, and how the engine runs it. */
final class ModelOptions {
    static final Option MODEL = Option.value("--model", "M.gguf", "the Gemma 3n GGUF model file (required)");
    static final Option THREADS = Option.value("--threads", "N",
            "kernel threads (default: the available processors, " + EngineOptions.defaults().threads() + " here)");
    static final Option CONTEXT = Option.value("--context", "N",
            "longest sequence, prompt plus output, at most the model's training context (default "
                    + EngineOptions.defaults().contextLength() + "; 0: the training context)");

    static final Option MMPROJ = Option.value("--mmproj", "P.gguf",
            "the Gemma 3n vision projector (mmproj GGUF), for --image");
    static final Option IMAGE = Option.repeatable("--image", "F", "an image file (PNG, JPEG, BMP or GIF)");

    static final Option DEVICE = Option.value("--device", "cpu|opencl[:N]",
            "where the text decoder runs: cpu (default), or an OpenCL device (opencl: the first; opencl:N as"
                    + " `info --device` numbers them)");

    /** The options of commands that load the whole model. */
    static final List<Option> LOAD = List.of(MODEL, THREADS, CONTEXT, DEVICE);

    private ModelOptions() {
    }

    static Path model(Arguments a) {
        return a.path(MODEL.name());
    }

    static EngineOptions engineOptions(Arguments a) {
        EngineOptions d = EngineOptions.defaults();
        int threads = a.intValue(THREADS.name(), d.threads());
        UsageException.require(threads >= 1, THREADS.name(), "must be at least 1, got " + threads);
        EngineOptions options = d.withThreads(threads).withContextLength(context(a));
        String device = a.string(DEVICE.name());
        if (device == null) {
            return options;
        }
        try {
            return options.withDevice(device.strip());
        } catch (IllegalArgumentException e) {
            throw UsageException.of(DEVICE.name(), e.getMessage());
        }
    }

    /** The context length asked for; 0 means the model's own, as in {@link EngineOptions}. */
    static int context(Arguments a) {
        int context = a.intValue(CONTEXT.name(), EngineOptions.defaults().contextLength());
        UsageException.require(context >= 0, CONTEXT.name(), "must be 0 or more, got " + context);
        return context;
    }

    /** Loads the model; with {@code --verbose} says how long that took. */
    static GemmaModel load(Arguments a, PrintStream err) {
        Path path = model(a);
        EngineOptions options = engineOptions(a);
        long start = System.nanoTime();
        Path mmproj = a.has(MMPROJ.name()) ? a.path(MMPROJ.name()) : null;
        GemmaModel model = GemmaModel.load(path, null, mmproj, options);
        if (a.has(Main.VERBOSE.name())) {
            err.printf("loaded %s in %.2f s (%d threads, device %s)%n", path, (System.nanoTime() - start) / 1e9,
                    options.threads(), options.device());
        }
        return model;
    }

    /** The decoded {@code --image} files, in order; an image needs {@code --mmproj}. */
    static List<RgbImage> images(Arguments a) throws IOException {
        List<String> files = a.all(IMAGE.name());
        UsageException.require(files.isEmpty() || a.has(MMPROJ.name()), IMAGE.name(),
                "images need the vision projector: give --mmproj");
        List<RgbImage> images = new ArrayList<>(files.size());
        for (String f : files) {
            images.add(ImageDecoder.decode(Path.of(f)));
        }
        return images;
    }
}
