package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.vision.VisionEncoder;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * The driver's check of a model file (and of the audio weights) before any task starts, so a bad path or a
 * corrupt file fails the query at once with the file named instead of failing every task. A local file is
 * opened and its Gemma 3n configuration read (its training context bounds an explicit {@code contextLength});
 * a remote one is checked for existence and the GGUF magic (copying it to the driver only to check it would
 * cost as much as the job's first load). Failures to reach a file are named with the option that set it.
 */
public final class ModelFileCheck {
    /** Local model files already found good, by path, size and modification time. */
    private static final ConcurrentHashMap<String, ModelFacts> CHECKED = new ConcurrentHashMap<>();

    /** What the driver learns from a local model file's header. */
    private record ModelFacts(int contextLength, boolean hasAudioTower) {}

    private ModelFileCheck() {}

    /**
     * Checks the model and audio weights {@code settings} name; {@code modelOption} and {@code audioOption} name
     * the settings in messages. A transcription without audio weights needs a model whose GGUF has the audio
     * tower, and a {@code contextLength} set explicitly must not exceed the model's training context (both
     * checked for a local file; a remote one's header is read when an executor loads it).
     */
    public static void check(GemmaSettings settings, String modelOption, String audioOption, boolean transcribes,
                             Configuration conf) {
        ModelFacts facts = checkModel(settings.model(), modelOption, conf);
        if (facts != null && settings.contextLengthSource() != null
                && settings.contextLength() > facts.contextLength()) {
            throw new IllegalArgumentException(settings.contextLengthSource() + " is " + settings.contextLength()
                    + ", more than the training context of model file " + settings.model() + " (" + modelOption
                    + "): " + facts.contextLength() + " tokens; set at most " + facts.contextLength()
                    + ", or 0 for the model's own");
        }
        if (settings.audioWeights() != null) {
            checkAudioWeights(settings.audioWeights(), audioOption, conf);
        } else if (transcribes && facts != null && !facts.hasAudioTower()) {
            throw new IllegalArgumentException("model file " + settings.model() + " (" + modelOption + ") has no audio "
                    + "tower: set " + audioOption + " to the audio weights (the Gemma 3n Hugging Face checkpoint's "
                    + "safetensors, with model.audio_tower.* and model.embed_audio.*)");
        }
        if (settings.mmproj() != null) {
            checkProjector(settings.mmproj(), conf);
        }
    }

    /**
     * The vision projector is a readable GGUF file, local or remote; a local one is also checked to be a Gemma 3n
     * projector from its metadata (a remote one only when an executor loads it, which fails its tasks naming it).
     */
    private static void checkProjector(String mmproj, Configuration conf) {
        String named = "vision projector " + mmproj + " (option mmproj)";
        try {
            InputStream in;
            if (ModelLocalizer.isLocal(mmproj)) {
                Path path = ModelLocalizer.localPath(mmproj, null, conf);
                if (!Files.exists(path)) {
                    throw new IllegalArgumentException(named + " does not exist");
                }
                if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                    throw new IllegalArgumentException(named + " is not a readable file");
                }
                in = Files.newInputStream(path);
            } else {
                org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(mmproj);
                FileSystem fs = HadoopFiles.fileSystem(path, conf);
                if (!fs.exists(path)) {
                    throw new IllegalArgumentException(named + " does not exist");
                }
                if (!fs.getFileStatus(path).isFile()) {
                    throw new IllegalArgumentException(named + " is not a file");
                }
                in = fs.open(path);
            }
            try (in) {
                if (!hasGgufMagic(in)) {
                    throw new IllegalArgumentException(named + " is not a GGUF file (no 'GGUF' magic at the start)");
                }
            }
            if (ModelLocalizer.isLocal(mmproj)) {
                try (GGUFFile file = GGUFFile.open(ModelLocalizer.localPath(mmproj, null, conf))) {
                    VisionEncoder.checkProjector(file);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(named + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + named + ": " + HadoopFiles.problem(e), e);
        }
    }

    private static boolean hasGgufMagic(InputStream in) throws IOException {
        byte[] magic = new byte[4];
        return in.readNBytes(magic, 0, 4) == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U'
                && magic[3] == 'F';
    }

    /** Throws {@link IllegalArgumentException} naming {@code model} and the problem; {@code option} names the setting. */
    public static void check(String model, String option, Configuration conf) {
        checkModel(model, option, conf);
    }

    /** What the model's header says; null when not read (a remote file). */
    private static ModelFacts checkModel(String model, String option, Configuration conf) {
        try {
            if (ModelLocalizer.isLocal(model)) {
                return checkLocal(ModelLocalizer.localPath(model, null, conf), model, option);
            }
            checkRemote(model, option, conf);
            return null;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read model file " + model + " (" + option + "): "
                    + HadoopFiles.problem(e), e);
        }
    }

    private static ModelFacts checkLocal(Path path, String model, String option) throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") does not exist");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a readable file");
        }
        String id = path.toAbsolutePath() + "|" + Files.size(path) + "|" + Files.getLastModifiedTime(path);
        ModelFacts known = CHECKED.get(id);
        if (known != null) {
            return known;
        }
        ModelFacts facts;
        try (GGUFFile file = GGUFFile.open(path)) {
            facts = new ModelFacts(Gemma3nConfig.fromGGUF(file).contextLength(), AudioEncoder.hasAudioTower(file));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a usable Gemma 3n "
                    + "GGUF file: " + e.getMessage(), e);
        }
        CHECKED.put(id, facts);
        return facts;
    }

    private static void checkRemote(String model, String option, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(model);
        FileSystem fs = HadoopFiles.fileSystem(path, conf);
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") does not exist");
        }
        if (!status.isFile()) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a file");
        }
        try (InputStream in = fs.open(path)) {
            if (!hasGgufMagic(in)) {
                throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a GGUF file "
                        + "(no 'GGUF' magic at the start)");
            }
        }
    }

    /** The audio weights exist: a readable file or a folder, local or remote. The engine reads them on load. */
    private static void checkAudioWeights(String weights, String option, Configuration conf) {
        try {
            if (ModelLocalizer.isLocal(weights)) {
                Path path = ModelLocalizer.localPath(weights, null, conf);
                if (!Files.exists(path)) {
                    throw new IllegalArgumentException("audio weights " + weights + " (" + option + ") do not exist");
                }
                if (!Files.isDirectory(path) && !Files.isReadable(path)) {
                    throw new IllegalArgumentException("audio weights " + weights + " (" + option + ") are not readable");
                }
                return;
            }
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(weights);
            if (!HadoopFiles.fileSystem(path, conf).exists(path)) {
                throw new IllegalArgumentException("audio weights " + weights + " (" + option + ") do not exist");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read audio weights " + weights + " (" + option + "): "
                    + HadoopFiles.problem(e), e);
        }
    }
}
