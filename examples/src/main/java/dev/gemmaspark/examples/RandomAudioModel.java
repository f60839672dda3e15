package dev.gemmaspark.examples;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.synth.ModelSynthesizer;
import dev.gemmaspark.engine.synth.Preset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The model {@code run-transcribe.sh} uses when it is given none: a random-weight two-layer Gemma 3n (the
 * engine's TINY_AUDIO preset, whose vocabulary has the audio tokens) and the small random audio tower of the
 * engine's golden test data, laid out as a Hugging Face checkpoint. Its transcripts are noise; it only shows
 * that the pipeline runs. {@code RandomAudioModel <golden small tower folder> <output folder>}.
 *
 * @param gguf         the text model
 * @param audioWeights the audio tower's {@code model.safetensors}, with its {@code config.json} beside it
 */
public record RandomAudioModel(Path gguf, Path audioWeights) {

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: RandomAudioModel <golden small tower folder> <output folder>");
        }
        RandomAudioModel m = write(Path.of(args[0]), Path.of(args[1]));
        System.out.println(m.gguf() + " " + m.audioWeights());
    }

    /**
     * Writes the model into {@code out} from the tower in {@code tower} (a folder with {@code config.json} and
     * {@code weights/model.safetensors}, such as {@code engine/src/test/resources/golden/audio/small_sharp}).
     */
    public static RandomAudioModel write(Path tower, Path out) throws IOException {
        Path checkpoint = Files.createDirectories(out.resolve("audio"));
        Files.copy(tower.resolve("config.json"), checkpoint.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tower.resolve("weights/model.safetensors"), checkpoint.resolve("model.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);
        Path gguf = out.resolve("tiny-audio.gguf");
        ModelSynthesizer.write(Preset.TINY_AUDIO, GGMLType.F32, 7, null, gguf);
        return new RandomAudioModel(gguf, checkpoint.resolve("model.safetensors"));
    }
}
