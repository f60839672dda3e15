package dev.gemmaspark.engine.cli;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.synth.ModelSynthesizer;
import dev.gemmaspark.engine.synth.Preset;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code synth}: writes a Gemma 3n GGUF with random weights and a real model's dimensions, optionally with the
 * audio tower, to measure speed without the real checkpoints ({@link ModelSynthesizer}); progress goes to stderr.
 * With {@code --vision} it writes a vision projector (mmproj) with the real tower's shapes instead.
 */
final class SynthCommand implements Command {
    /** The quantizations the synthesizer writes, by the name the option takes; Q4_K_M is Q4_K's other name. */
    private static final Map<String, GGMLType> QUANTS = Map.of("Q4_0", GGMLType.Q4_0, "Q4_K", GGMLType.Q4_K,
            "Q4_K_M", GGMLType.Q4_K, "Q8_0", GGMLType.Q8_0, "F16", GGMLType.F16, "BF16", GGMLType.BF16,
            "F32", GGMLType.F32);

    private static final Option PRESET = Option.value("--preset", "NAME",
            "dimensions: e2b (30 layers, FFN 8192), e4b (35 layers, FFN 16384) or tiny (the 6-layer test model)");
    private static final Option QUANT = Option.value("--quant", "TYPE",
            "Q4_0 (embeddings Q6_K), Q4_K (the Q4_K_M mix, also written Q4_K_M), Q8_0, F16, BF16 or F32");
    private static final Option SEED = Option.value("--seed", "S",
            "the weights depend on the seed alone, the same under every quantization");
    private static final Option VOCAB_FROM = Option.value("--vocab-from", "V.gguf",
            "copy the vocabulary of this GGUF (e.g. a vocabulary-only one), padded to the preset's size; "
                    + "default: a 500-token synthetic one");
    private static final Option AUDIO = Option.flag("--audio",
            "also write the audio tower and embedder (e2b, e4b: the real 12 blocks of width 1536, 681M parameters; "
                    + "tiny: 2 blocks of width 128), F32 in an F32 file, else F16 with F32 convolutions, as "
                    + "llama.cpp's converter writes them; the vocabulary gets Gemma 3n's audio tokens");
    private static final Option VISION = Option.flag("--vision",
            "write a Gemma 3n vision projector (mmproj: the real MobileNetV5 tower, 84 blocks at 768 x 768, 294M"
                    + " parameters, projecting to the preset's width) instead of a model; --quant F16 (as converted:"
                    + " F32 stem and norms), BF16 or F32");
    private static final Option OUT = Option.value("--out", "M.gguf", "the file to write (replaced)");

    @Override
    public String name() {
        return "synth";
    }

    @Override
    public String summary() {
        return "write a random-weight Gemma 3n model with real dimensions, for benchmarks";
    }

    @Override
    public String synopsis() {
        return "--preset e2b|e4b|tiny --quant Q4_0|Q4_K|Q8_0|F16 --seed S [--vocab-from V.gguf] [--audio | --vision]"
                + " --out M.gguf";
    }

    @Override
    public List<Option> options() {
        return List.of(PRESET, QUANT, SEED, VOCAB_FROM, AUDIO, VISION, OUT);
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        Preset preset = preset(args.required(PRESET.name()));
        GGMLType quant = quant(args.required(QUANT.name()));
        args.required(SEED.name()); // no default: the seed is what tells two synthetic models apart
        long seed = args.longValue(SEED.name(), 0);
        Path vocabFrom = args.has(VOCAB_FROM.name()) ? args.path(VOCAB_FROM.name()) : null;
        Path target = args.path(OUT.name());
        if (args.has(VISION.name())) {
            UsageException.require(!args.has(AUDIO.name()) && vocabFrom == null, VISION.name(),
                    "writes a projector alone: no --audio or --vocab-from");
            UsageException.require(quant == GGMLType.F16 || quant == GGMLType.BF16 || quant == GGMLType.F32,
                    QUANT.name(), "a vision projector is F16, BF16 or F32");
            ModelSynthesizer.writeProjector(quant, seed, preset.embd, target);
            return;
        }
        ModelSynthesizer.write(preset, quant, seed, vocabFrom, args.has(AUDIO.name()), target);
    }

    private static Preset preset(String name) {
        try {
            return Preset.parse(name);
        } catch (IllegalArgumentException e) {
            throw UsageException.of(PRESET.name(), e.getMessage());
        }
    }

    private static GGMLType quant(String name) {
        GGMLType type = QUANTS.get(name.toUpperCase(Locale.ROOT));
        if (type == null) {
            throw UsageException.of(QUANT.name(), "unknown quantization '" + name
                    + "' (expected Q4_0, Q4_K, Q8_0, F16, BF16 or F32)");
        }
        return type;
    }
}
