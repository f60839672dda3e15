package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.model.Gemma3nConfig;
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
 * The driver's check of a model file before any task starts, so a bad path or a corrupt file fails the
 * query at once with the file named instead of failing every task. A local file is opened and its
 * Gemma 3n configuration read; a remote one is checked for existence and the GGUF magic (copying it to
 * the driver only to check it would cost as much as the job's first load).
 */
public final class ModelFileCheck {
    /** Files already found good, by path, size and modification time. */
    private static final ConcurrentHashMap<String, Boolean> CHECKED = new ConcurrentHashMap<>();

    private ModelFileCheck() {}

    /** Throws {@link IllegalArgumentException} naming {@code model} and the problem; {@code option} names the setting. */
    public static void check(String model, String option, Configuration conf) {
        try {
            if (ModelLocalizer.isLocal(model)) {
                checkLocal(ModelLocalizer.localPath(model, null, conf), model, option);
            } else {
                checkRemote(model, option, conf);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read model file " + model + " (" + option + "): " + e, e);
        }
    }

    private static void checkLocal(Path path, String model, String option) throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") does not exist");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a readable file");
        }
        String id = path.toAbsolutePath() + "|" + Files.size(path) + "|" + Files.getLastModifiedTime(path);
        if (CHECKED.containsKey(id)) {
            return;
        }
        try (GGUFFile file = GGUFFile.open(path)) {
            Gemma3nConfig.fromGGUF(file);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a usable Gemma 3n "
                    + "GGUF file: " + e.getMessage(), e);
        }
        CHECKED.put(id, Boolean.TRUE);
    }

    private static void checkRemote(String model, String option, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(model);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus status;
        try {
            status = fs.getFileStatus(path);
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") does not exist");
        }
        if (!status.isFile()) {
            throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a file");
        }
        byte[] magic = new byte[4];
        try (InputStream in = fs.open(path)) {
            if (in.readNBytes(magic, 0, 4) != 4 || magic[0] != 'G' || magic[1] != 'G' || magic[2] != 'U' || magic[3] != 'F') {
                throw new IllegalArgumentException("model file " + model + " (" + option + ") is not a GGUF file "
                        + "(no 'GGUF' magic at the start)");
            }
        }
    }
}
