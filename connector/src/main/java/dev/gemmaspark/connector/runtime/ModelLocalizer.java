package dev.gemmaspark.connector.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Gives the engine local files to memory-map. A local path (no scheme, or {@code file:}) is used as is; a
 * file on another file system (HDFS, S3A, ...) is copied once into a cache directory through the Hadoop
 * FileSystem API: into a temporary file, checked against the remote size, then renamed atomically, so a
 * concurrent or interrupted copy never leaves a partial file under the final name.
 */
public final class ModelLocalizer {
    /** The cache directory when none is configured. */
    public static final String DEFAULT_CACHE_DIR = "gemma-spark-models";
    /** The file beside a Hugging Face checkpoint that gives its dimensions. */
    private static final String CHECKPOINT_CONFIG = "config.json";
    /** A URI scheme (RFC 3986) before the first slash. */
    private static final Pattern SCHEME = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):");

    private ModelLocalizer() {}

    /**
     * Whether {@code model} names a file on the local file system: it has no scheme, or {@code file:}. Only the
     * scheme's syntax is read, not the whole text as a URI, so that a local name with characters a URI forbids
     * ({@code m[1].gguf}, {@code m{a}.gguf}) is a local name, not an error.
     */
    public static boolean isLocal(String model) {
        Matcher m = SCHEME.matcher(model);
        String scheme = m.lookingAt() ? m.group(1) : null;
        return scheme == null || scheme.equalsIgnoreCase("file") || scheme.length() == 1; // a Windows drive letter
    }

    /** The local path of {@code model}, copying a remote file into {@code cacheDir} (null: the default). */
    public static Path localPath(String model, String cacheDir, Configuration conf) throws IOException {
        if (isLocal(model)) {
            return asLocalPath(model);
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(model);
        FileSystem fs = HadoopFiles.fileSystem(remote, conf);
        FileStatus status = fs.getFileStatus(remote);
        Path dir = cacheDir(cacheDir);
        // The name changes when the remote file does, so a replaced model is copied again.
        Path target = dir.resolve(digest(status.getPath() + "|" + status.getLen() + "|" + status.getModificationTime())
                + "-" + remote.getName());
        copyOnce(fs, status, target, model);
        return target;
    }

    /**
     * The local path of a checkpoint such as the audio weights: a file, copied together with the {@code
     * config.json} beside it when remote, or a folder (of shards and their index), copied with all its files.
     * The copy is a folder of the cache whose name changes when any of the remote files does.
     */
    public static Path localCheckpoint(String checkpoint, String cacheDir, Configuration conf) throws IOException {
        if (isLocal(checkpoint)) {
            return asLocalPath(checkpoint);
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(checkpoint);
        FileSystem fs = HadoopFiles.fileSystem(remote, conf);
        FileStatus status = fs.getFileStatus(remote);
        List<FileStatus> files = new ArrayList<>();
        if (status.isDirectory()) {
            for (FileStatus f : fs.listStatus(remote)) {
                if (f.isFile() && !f.getPath().getName().startsWith(".")) {
                    files.add(f);
                }
            }
        } else {
            files.add(status);
            org.apache.hadoop.fs.Path config = new org.apache.hadoop.fs.Path(remote.getParent(), CHECKPOINT_CONFIG);
            if (!remote.getName().equals(CHECKPOINT_CONFIG) && fs.exists(config)) {
                files.add(fs.getFileStatus(config));
            }
        }
        StringBuilder id = new StringBuilder(status.getPath().toString());
        for (FileStatus f : files) {
            id.append('|').append(f.getPath().getName()).append(':').append(f.getLen()).append(':')
                    .append(f.getModificationTime());
        }
        Path dir = cacheDir(cacheDir).resolve(digest(id.toString()) + "-" + remote.getName()
                + (status.isDirectory() ? "" : ".d"));
        Files.createDirectories(dir);
        for (FileStatus f : files) {
            copyOnce(fs, f, dir.resolve(f.getPath().getName()), f.getPath().toString());
        }
        return status.isDirectory() ? dir : dir.resolve(remote.getName());
    }

    private static Path asLocalPath(String path) {
        return path.regionMatches(true, 0, "file:", 0, 5)
                ? Paths.get(new org.apache.hadoop.fs.Path(path).toUri().getPath()) : Paths.get(path);
    }

    private static Path cacheDir(String cacheDir) throws IOException {
        Path dir = cacheDir != null ? Paths.get(cacheDir)
                : Paths.get(System.getProperty("java.io.tmpdir"), DEFAULT_CACHE_DIR);
        return Files.createDirectories(dir);
    }

    /** Copies the remote file {@code status} to {@code target} unless a file of its size is already there. */
    private static void copyOnce(FileSystem fs, FileStatus status, Path target, String name) throws IOException {
        if (Files.isRegularFile(target) && Files.size(target) == status.getLen()) {
            return;
        }
        Path partial = Files.createTempFile(target.getParent(), status.getPath().getName(), ".part");
        try {
            try (InputStream in = fs.open(status.getPath())) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            long copied = Files.size(partial);
            if (copied != status.getLen()) {
                throw new IOException("copy of " + name + " has " + copied + " bytes, the file has " + status.getLen());
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
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
