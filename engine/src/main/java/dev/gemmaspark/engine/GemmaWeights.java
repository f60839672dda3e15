package dev.gemmaspark.engine;

import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.audio.AudioEncoder;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.Gemma3nWeights;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;
import dev.gemmaspark.engine.vision.ImagePrompt;
import dev.gemmaspark.engine.vision.VisionEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * What one model file gives, loaded once per process and shared by every {@link GemmaModel} context on it, as
 * llama.cpp keeps {@code llama_model} apart from {@code llama_context}: the memory-mapped GGUF, the text decoder's
 * weights with their interleaved copies, the tokenizer, and the audio and vision towers when there are. Immutable; the
 * contexts add thread pools, schedulers and KV memory. Closing unmaps the file: close the contexts first.
 */
public final class GemmaWeights implements AutoCloseable {
    private final GGUFFile file;
    private final Path audioPath;
    private final boolean audioQ8_0;
    private final Gemma3nConfig config;
    private final Gemma3nWeights text;
    private final GemmaTokenizer tokenizer;
    /** Null when neither the GGUF nor separate audio weights hold an audio tower. */
    private final AudioEncoder audio;
    /** The vision projector's path, or null. */
    private final Path mmprojPath;
    /** Null without a vision projector. */
    private final VisionEncoder vision;
    /** The files read from (the model, the projector, separate audio weights in one file) as they were at load. */
    private final List<Watched> loaded = new ArrayList<>();

    /** A file these weights read, named for messages ({@code what}, empty for the model file itself). */
    private record Watched(String what, Path path, FileStamp stamp) {
    }

    /** What tells one version of a file from another: its identity (inode), size and modification time. */
    private record FileStamp(Object key, long size, FileTime modified) {
        static FileStamp of(Path path) throws IOException {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return new FileStamp(a.fileKey(), a.size(), a.lastModifiedTime());
        }
    }

    private GemmaWeights(GGUFFile file, Path audioWeights, boolean audioQ8_0, Path mmproj) {
        this.file = file;
        this.mmprojPath = mmproj;
        this.audioPath = audioWeights;
        this.audioQ8_0 = audioQ8_0;
        watch("", file.path());
        if (mmproj != null) {
            watch("the vision projector " + mmproj + ": ", mmproj);
        }
        if (audioWeights != null && Files.isRegularFile(audioWeights)) {
            watch("the audio weights " + audioWeights + ": ", audioWeights);
        }
        this.config = Gemma3nConfig.fromGGUF(file);
        this.tokenizer = GemmaTokenizer.fromGGUF(file);
        if (tokenizer.vocabSize() != config.vocabSize()) {
            throw file.error("tokenizer has " + tokenizer.vocabSize() + " tokens but the model " + config.vocabSize());
        }
        this.text = new Gemma3nWeights(file, config, ActivationRounding.LLAMA_CPP);
        this.audio = loadAudio(file, audioWeights, config, audioQ8_0);
        try {
            this.vision = mmproj == null ? null : loadVision(mmproj, config, tokenizer);
        } catch (RuntimeException e) {
            if (audio != null) {
                audio.close();
            }
            throw e;
        }
    }

    /**
     * Maps {@code gguf} and checks it; a bad file fails here with its name and the problem. The audio tower comes
     * from {@code audioWeights} (a Hugging Face safetensors file or sharded folder, or a GGUF holding it) or, when
     * that is null, from the GGUF itself if it carries one; {@code audioQ8_0} quantizes its linear layers to Q8_0.
     */
    public static GemmaWeights load(Path gguf, Path audioWeights, boolean audioQ8_0) {
        return load(gguf, audioWeights, audioQ8_0, null);
    }

    /**
     * Like {@link #load(Path, Path, boolean)}, with the vision tower and projector from the mmproj GGUF {@code mmproj}
     * (null: none); a file that is not a Gemma 3n vision projector, or one that does not fit the text model, fails
     * naming it.
     */
    public static GemmaWeights load(Path gguf, Path audioWeights, boolean audioQ8_0, Path mmproj) {
        GGUFFile file = GGUFFile.open(gguf);
        try {
            return new GemmaWeights(file, audioWeights, audioQ8_0, mmproj);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private static AudioEncoder loadAudio(GGUFFile file, Path audioWeights, Gemma3nConfig config, boolean audioQ8_0) {
        if (audioWeights == null && !AudioEncoder.hasAudioTower(file)) {
            return null;
        }
        AudioEncoder encoder;
        // The tower computes a few constant tables while loading; every context then runs it on its own pool.
        try (ThreadPool loading = new ThreadPool(Runtime.getRuntime().availableProcessors())) {
            encoder = audioWeights != null ? AudioEncoder.load(audioWeights, loading, audioQ8_0)
                    : AudioEncoder.load(file, AudioConfig.fromGGUF(file), loading, audioQ8_0);
        } catch (IOException e) {
            throw new UncheckedIOException(audioWeights + ": cannot read the audio weights: " + e.getMessage(), e);
        }
        if (encoder.config().textHiddenSize() != config.nEmbd()) {
            encoder.close();
            throw new IllegalArgumentException((audioWeights != null ? audioWeights : file.path()) + ": the audio"
                    + " embedder projects to " + encoder.config().textHiddenSize() + " values, the text model is "
                    + config.nEmbd() + " wide");
        }
        return encoder;
    }

    private static VisionEncoder loadVision(Path mmproj, Gemma3nConfig config, GemmaTokenizer tokenizer) {
        // the tower runs on each context's pool; loading computes nothing on one
        VisionEncoder encoder = VisionEncoder.load(mmproj, null);
        String problem = encoder.config().textWidth() != config.nEmbd()
                ? "the projector gives " + encoder.config().textWidth() + " values per image token, the text model is "
                        + config.nEmbd() + " wide"
                : tokenizer.tokenId(ImagePrompt.START) < 0 || tokenizer.tokenId(ImagePrompt.END) < 0
                        ? "the text model's vocabulary has no " + ImagePrompt.START + " and " + ImagePrompt.END + " tokens"
                        : null;
        if (problem != null) {
            encoder.close();
            throw new IllegalArgumentException(mmproj + ": " + problem);
        }
        return encoder;
    }

    public Path path() {
        return file.path();
    }

    private void watch(String what, Path path) {
        try {
            loaded.add(new Watched(what, path, FileStamp.of(path)));
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read the file's attributes: " + e.getMessage(), e);
        }
    }

    /**
     * How the file at {@link #path()}, or the projector or audio weights file these weights were loaded with (named
     * then), differs from the one mapped, or null when none does. A file replaced by rename is another file (these
     * weights still read the old one, which stays valid); a file rewritten in place is the mapped one changed under
     * it, and reading the mapping may then fault: a bus error in compiled code ends the JVM, as it would end
     * llama.cpp. So callers check before each use and load the files again.
     */
    public String changedOnDisk() {
        for (Watched w : loaded) {
            String change = change(w);
            if (change != null) {
                return w.what() + change;
            }
        }
        return null;
    }

    private static String change(Watched w) {
        FileStamp now;
        try {
            now = FileStamp.of(w.path());
        } catch (IOException e) {
            return "it can no longer be read (" + e.getMessage() + ")";
        }
        FileStamp then = w.stamp();
        if (!java.util.Objects.equals(now.key(), then.key())) {
            return "another file was moved to its path";
        }
        if (now.size() != then.size() || !now.modified().equals(then.modified())) {
            return "it was rewritten in place (" + then.size() + " bytes modified " + then.modified() + ", now "
                    + now.size() + " bytes modified " + now.modified() + ")";
        }
        return null;
    }

    /** The separate audio weights this was loaded with, or null. */
    public Path audioPath() {
        return audioPath;
    }

    public boolean audioQ8_0() {
        return audioQ8_0;
    }

    public Gemma3nConfig config() {
        return config;
    }

    public GemmaTokenizer tokenizer() {
        return tokenizer;
    }

    Gemma3nWeights text() {
        return text;
    }

    /** The audio tower running on {@code pool}, or null when there is none. */
    AudioEncoder audio(ThreadPool pool) {
        return audio == null ? null : audio.withPool(pool);
    }

    public boolean hasAudio() {
        return audio != null;
    }

    /** The vision projector this was loaded with, or null. */
    public Path mmprojPath() {
        return mmprojPath;
    }

    /** The vision tower running on {@code pool}, or null when there is none. */
    VisionEncoder vision(ThreadPool pool) {
        return vision == null ? null : vision.withPool(pool);
    }

    public boolean hasVision() {
        return vision != null;
    }

    GGUFFile file() {
        return file;
    }

    @Override
    public void close() {
        if (audio != null) {
            audio.close();
        }
        if (vision != null) {
            vision.close();
        }
        file.close();
    }
}
