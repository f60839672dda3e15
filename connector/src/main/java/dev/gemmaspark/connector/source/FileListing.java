package dev.gemmaspark.connector.source;

import dev.gemmaspark.connector.runtime.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.GlobPattern;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The files named by the paths of a read. Each path is a file, a folder (its files, recursively) or a glob,
 * whose matches are files or folders in turn. Hidden names are skipped as Spark's file sources skip them
 * (Spark's {@code HadoopFSUtils.shouldFilterOutPathName}): a name that starts with {@code .} or {@code _}
 * (version control, {@code _temporary} output of running jobs, {@code _SUCCESS} markers) or ends with
 * {@code ._COPYING_} (a file that {@code hadoop fs -put} is still writing), anywhere below a path the user
 * named. Unlike Spark, none is kept: Parquet's {@code _metadata} and partition folders such as {@code
 * _year=2024} mean nothing in a folder of documents. A path named literally is read even when its own name
 * is hidden; a glob's wildcard matches hidden names only where that part of the pattern starts with {@code .}
 * or {@code _} itself, as a shell's {@code *} skips dot files that {@code .*} matches.
 *
 * <p>What cannot be read becomes an error row naming the file, and the query goes on: a dangling symbolic
 * link, a folder that cannot be listed (permission denied, or gone), a link back to a folder above it, a
 * device or pipe. Local folders are walked with {@code java.nio}, which sees these; Hadoop's local file
 * system leaves out silently what it cannot stat, and follows link loops until the path is too long.
 */
final class FileListing {
    private static final String COPYING = "._COPYING_";

    private FileListing() {}

    static List<InputFile> list(List<String> paths, Configuration conf) {
        List<InputFile> files = new ArrayList<>();
        for (String p : paths) {
            try {
                Path given = new Path(p);
                FileSystem fs = HadoopFiles.fileSystem(given, conf);
                Path pattern = fs.makeQualified(given);
                int roots = "file".equals(fs.getScheme()) ? listLocal(fs, pattern, files)
                        : listRemote(fs, pattern, files);
                if (roots == 0) {
                    throw new IllegalArgumentException("path " + p + " of " + SourceOptions.WHERE + " matches no file");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + p + " for " + SourceOptions.WHERE + ": "
                        + HadoopFiles.problem(e), e);
            }
        }
        files.sort(Comparator.comparing(InputFile::path));
        return files;
    }

    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_") || name.endsWith(COPYING);
    }

    private static boolean hasWildcard(String pattern) {
        return pattern.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    /** Whether the glob component {@code wildcard} matched {@code name} only by a wildcard that skips hidden names. */
    private static boolean hiddenMatch(String wildcard, String name) {
        return hasWildcard(wildcard) && !wildcard.startsWith(".") && !wildcard.startsWith("_") && hidden(name);
    }

    /** Whether any component of {@code match} is a hidden name matched by a wildcard of {@code pattern}. */
    private static boolean hiddenMatch(Path pattern, Path match) {
        for (Path p = pattern, m = match; p != null && m != null; p = p.getParent(), m = m.getParent()) {
            if (hiddenMatch(p.getName(), m.getName())) {
                return true;
            }
        }
        return false;
    }

    /** Lists what {@code pattern} names into {@code files}; returns how many files and folders it matched. */
    private static int listRemote(FileSystem fs, Path pattern, List<InputFile> files) throws IOException {
        int roots = 0;
        FileStatus[] matches = fs.globStatus(pattern);
        for (FileStatus match : matches == null ? new FileStatus[0] : matches) {
            if (!hiddenMatch(pattern, match.getPath())) {
                walkRemote(fs, match, files);
                roots++;
            }
        }
        return roots;
    }

    private static void walkRemote(FileSystem fs, FileStatus status, List<InputFile> files) {
        String path = status.getPath().toString();
        if (status.isFile()) {
            files.add(new InputFile(path, status.getLen()));
            return;
        }
        if (!status.isDirectory()) {
            files.add(InputFile.unreadable(path, "not a regular file"));
            return;
        }
        try {
            RemoteIterator<FileStatus> children = fs.listStatusIterator(status.getPath());
            while (children.hasNext()) {
                FileStatus child = children.next();
                if (!hidden(child.getPath().getName())) {
                    walkRemote(fs, child, files);
                }
            }
        } catch (IOException e) {
            files.add(InputFile.unreadable(path, "cannot list the folder: " + HadoopFiles.problem(e)));
        }
    }

    /**
     * A local glob's matches, and the dangling links its last component names, which Hadoop's globber
     * leaves out; a literal path as it is, even a dangling link. Returns how many it matched.
     */
    private static int listLocal(FileSystem fs, Path pattern, List<InputFile> files) throws IOException {
        if (!hasWildcard(pattern.toUri().getPath())) {
            java.nio.file.Path root = local(pattern);
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                return 0;
            }
            walkLocal(root, files);
            return 1;
        }
        int roots = 0;
        FileStatus[] matches = fs.globStatus(pattern);
        for (FileStatus match : matches == null ? new FileStatus[0] : matches) {
            if (!hiddenMatch(pattern, match.getPath())) {
                walkLocal(local(match.getPath()), files);
                roots++;
            }
        }
        String last = pattern.getName();
        FileStatus[] folders = pattern.getParent() == null ? null : fs.globStatus(pattern.getParent());
        GlobPattern glob = new GlobPattern(last);
        for (FileStatus folder : folders == null ? new FileStatus[0] : folders) {
            if (!folder.isDirectory() || hiddenMatch(pattern.getParent(), folder.getPath())) {
                continue;
            }
            try (DirectoryStream<java.nio.file.Path> entries = Files.newDirectoryStream(local(folder.getPath()))) {
                for (java.nio.file.Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (Files.isSymbolicLink(entry) && !Files.exists(entry) && glob.matches(name)
                            && !hiddenMatch(last, name)) {
                        walkLocal(entry, files);
                        roots++;
                    }
                }
            }
        }
        return roots;
    }

    private static java.nio.file.Path local(Path path) {
        return Paths.get(path.toUri().getPath());
    }

    /** The path as Hadoop writes it ({@code file:/a/b.txt}), as the reader and the other file systems have it. */
    private static String hadoopPath(java.nio.file.Path path) {
        return new Path("file", null, path.toAbsolutePath().toString()).toString();
    }

    private static void walkLocal(java.nio.file.Path root, List<InputFile> files) throws IOException {
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(java.nio.file.Path dir, BasicFileAttributes attrs) {
                        return dir.equals(root) || !hidden(dir.getFileName().toString())
                                ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                    }

                    @Override
                    public FileVisitResult visitFile(java.nio.file.Path file, BasicFileAttributes attrs) {
                        if (file.equals(root) || !hidden(file.getFileName().toString())) {
                            files.add(localFile(file, attrs));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(java.nio.file.Path file, IOException e) {
                        if (file.equals(root) || !hidden(file.getFileName().toString())) {
                            files.add(InputFile.unreadable(hadoopPath(file), problem(e)));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(java.nio.file.Path dir, IOException e) {
                        if (e != null) {
                            files.add(InputFile.unreadable(hadoopPath(dir), "cannot list the folder: " + problem(e)));
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
    }

    /** A file the walk reached: {@code attrs} are the link's own when its target could not be read. */
    private static InputFile localFile(java.nio.file.Path file, BasicFileAttributes attrs) {
        String path = hadoopPath(file);
        if (attrs.isRegularFile()) {
            return new InputFile(path, attrs.size());
        }
        if (attrs.isSymbolicLink()) {
            String target;
            try {
                target = Files.readSymbolicLink(file).toString();
            } catch (IOException e) {
                target = "?";
            }
            return InputFile.unreadable(path, "a dangling symbolic link (to " + target + ")");
        }
        return InputFile.unreadable(path, "not a regular file (a device, pipe or socket)");
    }

    private static String problem(IOException e) {
        return switch (e) {
            case FileSystemLoopException loop -> "a symbolic link to a folder above it (a loop)";
            case NoSuchFileException gone -> "it was removed while the folder was listed";
            default -> HadoopFiles.problem(e);
        };
    }
}
