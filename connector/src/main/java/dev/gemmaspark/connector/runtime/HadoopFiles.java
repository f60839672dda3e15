package dev.gemmaspark.connector.runtime;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * Hadoop's failures to reach a file, in words. Creating a file system throws unchecked exceptions for some
 * of the commonest mistakes: HDFS's client wraps an unknown name node host in an {@link
 * IllegalArgumentException} (hadoop-common's {@code SecurityUtil.buildTokenService}), and a scheme whose
 * connector is missing (s3a:// without hadoop-aws) is a {@link RuntimeException} around a {@link
 * ClassNotFoundException} ({@code Configuration.getClass}).
 */
public final class HadoopFiles {
    private HadoopFiles() {}

    /** The file system of {@code path}; every failure to create it is an {@link IOException} saying why. */
    public static FileSystem fileSystem(Path path, Configuration conf) throws IOException {
        try {
            return path.getFileSystem(conf);
        } catch (IOException | RuntimeException e) {
            throw new IOException(problem(e), e);
        }
    }

    /**
     * What {@code e} says went wrong: an unknown host or a missing file system by name, else its message
     * (java.nio's exceptions for a denied or missing file say only the file's name, so their kind is added).
     */
    public static String problem(Throwable e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UnknownHostException) {
                // the message is the host, with the resolver's reason after a colon on some systems
                String host = String.valueOf(c.getMessage()).split(": ", 2)[0];
                return "cannot reach host '" + host + "' (unknown host)";
            }
            if (c instanceof ClassNotFoundException || c instanceof UnsupportedFileSystemException) {
                return "no Hadoop file system for this scheme on the classpath (" + c.getMessage() + "); a scheme "
                        + "such as s3a:// needs its connector (hadoop-aws) on the driver and the executors";
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
