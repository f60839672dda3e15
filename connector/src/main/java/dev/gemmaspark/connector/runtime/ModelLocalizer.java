package dev.gemmaspark.connector.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Gives the engine a local file to memory-map. A local path (no scheme, or {@code file:}) is used as is;
 * a file on another file system (HDFS, S3A, ...) is copied once into a cache directory through the
 * Hadoop FileSystem API: into a temporary file, checked against the remote size, then renamed
 * atomically, so a concurrent or interrupted copy never leaves a partial model under the final name.
 */
public final class ModelLocalizer {
    /** The cache directory when none is configured. */
    public static final String DEFAULT_CACHE_DIR = "gemma-spark-models";

    private ModelLocalizer() {}

    /** Whether {@code model} names a file on the local file system. */
    public static boolean isLocal(String model) {
        String scheme = URI.create(model.replace(" ", "%20")).getScheme();
        return scheme == null || scheme.equals("file") || scheme.length() == 1; // a Windows drive letter
    }

    /** The local path of {@code model}, copying a remote file into {@code cacheDir} (null: the default). */
    public static Path localPath(String model, String cacheDir, Configuration conf) throws IOException {
        if (isLocal(model)) {
            return model.startsWith("file:") ? Paths.get(URI.create(model)) : Paths.get(model);
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(model);
        FileSystem fs = remote.getFileSystem(conf);
        FileStatus status = fs.getFileStatus(remote);
        Path dir = cacheDir != null ? Paths.get(cacheDir)
                : Paths.get(System.getProperty("java.io.tmpdir"), DEFAULT_CACHE_DIR);
        Files.createDirectories(dir);
        // The name changes when the remote file does, so a replaced model is copied again.
        Path target = dir.resolve(digest(status.getPath() + "|" + status.getLen() + "|" + status.getModificationTime())
                + "-" + remote.getName());
        if (Files.isRegularFile(target) && Files.size(target) == status.getLen()) {
            return target;
        }
        Path partial = Files.createTempFile(dir, remote.getName(), ".part");
        try {
            try (InputStream in = fs.open(remote)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            long copied = Files.size(partial);
            if (copied != status.getLen()) {
                throw new IOException("copy of " + model + " has " + copied + " bytes, the file has " + status.getLen());
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
        return target;
    }

    private static String digest(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
