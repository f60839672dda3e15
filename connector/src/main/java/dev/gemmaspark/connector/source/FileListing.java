package dev.gemmaspark.connector.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The files named by the paths of a read: each path may be a file, a directory (its files, recursively)
 * or a glob. Hidden files ({@code .name}, {@code _name}) are skipped as Spark's file sources skip them.
 */
final class FileListing {
    private FileListing() {}

    static List<InputFile> list(List<String> paths, Configuration conf) {
        List<InputFile> files = new ArrayList<>();
        for (String p : paths) {
            try {
                Path path = new Path(p);
                FileSystem fs = path.getFileSystem(conf);
                FileStatus[] matches = fs.globStatus(path);
                if (matches == null || matches.length == 0) {
                    throw new IllegalArgumentException("path " + p + " of " + SourceOptions.WHERE + " matches no file");
                }
                for (FileStatus status : matches) {
                    if (status.isDirectory()) {
                        RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
                        while (it.hasNext()) {
                            add(files, it.next());
                        }
                    } else {
                        add(files, status);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + p + " for " + SourceOptions.WHERE + ": " + e.getMessage(), e);
            }
        }
        files.sort(Comparator.comparing(InputFile::path));
        return files;
    }

    private static void add(List<InputFile> files, FileStatus status) {
        String name = status.getPath().getName();
        if (status.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
            files.add(new InputFile(status.getPath().toString(), status.getLen()));
        }
    }
}
