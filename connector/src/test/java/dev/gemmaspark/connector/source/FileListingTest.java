package dev.gemmaspark.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gemmaspark.connector.runtime.RemoteTestFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files a read lists, over a folder with hidden folders, broken links and a link loop. */
class FileListingTest {
    @TempDir
    Path dir;

    @BeforeEach
    void folder() throws Exception {
        write("a.txt", "a");
        write("sub/b.txt", "b");
        write("_temporary/0/part-0000.txt", "job output being written");
        write(".git/HEAD", "ref: refs/heads/main");
        write(".hidden/x.txt", "x");
        write("_SUCCESS", "");
        write("c.txt._COPYING_", "half an upload");
        Files.createSymbolicLink(dir.resolve("dangling.txt"), Paths.get("/nonexistent/gone.txt"));
        Files.createSymbolicLink(dir.resolve("sub/loop"), Paths.get(".."));
        Files.createSymbolicLink(dir.resolve("zero.txt"), Paths.get("/dev/zero"));
    }

    private void write(String name, String text) throws Exception {
        Files.createDirectories(dir.resolve(name).getParent());
        Files.writeString(dir.resolve(name), text);
    }

    private static Configuration conf() {
        Configuration conf = new Configuration(false);
        conf.set("fs.testremote.impl", RemoteTestFileSystem.class.getName());
        conf.setBoolean("fs.testremote.impl.disable.cache", true);
        conf.set("fs.testlocked.impl", LockedTestFileSystem.class.getName());
        conf.setBoolean("fs.testlocked.impl.disable.cache", true);
        return conf;
    }

    /** Listed file, relative to the folder, -> its problem ("" when readable). */
    private Map<String, String> list(String... paths) {
        Map<String, String> out = new LinkedHashMap<>();
        for (InputFile f : FileListing.list(List.of(paths), conf())) {
            String path = f.path().replaceFirst("^[a-z]+:", "");
            out.put(path.startsWith(dir.toString()) ? path.substring(dir.toString().length() + 1) : path,
                    f.problem() == null ? "" : f.problem());
        }
        return out;
    }

    @Test
    void aFolderIsReadWithoutItsHiddenPartsAndWithItsBrokenEntriesAsProblems() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("a.txt", "");
        expected.put("dangling.txt", "a dangling symbolic link (to /nonexistent/gone.txt)");
        expected.put("sub/b.txt", "");
        expected.put("sub/loop", "a symbolic link to a folder above it (a loop)");
        expected.put("zero.txt", "not a regular file (a device, pipe or socket)");
        assertEquals(expected, list(dir.toString()));
        assertEquals(expected, list("file://" + dir), "a file: URI lists the same");
    }

    @Test
    void aGlobSkipsHiddenMatchesUnlessItsPatternStartsWithTheirPrefix() throws Exception {
        Files.delete(dir.resolve("sub/loop")); // walked from sub, it would lead into the folder once
        assertEquals(Map.of("a.txt", "", "dangling.txt", "a dangling symbolic link (to /nonexistent/gone.txt)",
                "zero.txt", "not a regular file (a device, pipe or socket)"), list(dir + "/*.txt"));
        assertEquals(List.of("a.txt", "dangling.txt", "sub/b.txt", "zero.txt"),
                List.copyOf(list(dir + "/*").keySet()));
        assertEquals(List.of("_SUCCESS", "_temporary/0/part-0000.txt"), List.copyOf(list(dir + "/_*").keySet()));
        assertEquals(List.of("sub/b.txt"), List.copyOf(list(dir + "/*/b.txt").keySet()));
        assertEquals(List.of(".hidden/x.txt"), List.copyOf(list(dir + "/.h*/x.txt").keySet()));
    }

    @Test
    void aPathNamedLiterallyIsReadEvenWhenHidden() {
        assertEquals(Map.of(".hidden/x.txt", ""), list(dir + "/.hidden"));
        assertEquals(Map.of("_temporary/0/part-0000.txt", ""), list(dir + "/_temporary"));
        assertEquals(Map.of("_SUCCESS", ""), list(dir + "/_SUCCESS"));
        assertEquals(Map.of("dangling.txt", "a dangling symbolic link (to /nonexistent/gone.txt)"),
                list(dir + "/dangling.txt"));
    }

    @Test
    void otherFileSystemsSkipTheSameHiddenNames() throws Exception {
        // links are a local matter: Hadoop's local file system stands in for a remote one here
        Files.delete(dir.resolve("sub/loop"));
        Files.delete(dir.resolve("zero.txt"));
        Files.delete(dir.resolve("dangling.txt"));
        assertEquals(Map.of("a.txt", "", "sub/b.txt", ""), list("testremote://" + dir));
        assertEquals(Map.of("a.txt", "", "sub/b.txt", ""), list("testremote://" + dir + "/*"));
        assertEquals(List.of("_SUCCESS", "_temporary/0/part-0000.txt"),
                List.copyOf(list("testremote://" + dir + "/_*").keySet()));
        assertEquals(Map.of(".hidden/x.txt", ""), list("testremote://" + dir + "/.hidden"));
    }

    @Test
    void aFolderThatCannotBeListedIsAnErrorRowAndTheRestIsRead() throws Exception {
        Files.delete(dir.resolve("sub/loop"));
        Files.delete(dir.resolve("zero.txt"));
        Files.delete(dir.resolve("dangling.txt"));
        write("locked/d.txt", "d");
        assertEquals(Map.of("a.txt", "", "sub/b.txt", "", "locked", "cannot list the folder: Permission denied: "
                + "user=test, access=READ_EXECUTE, inode=\"testlocked:" + dir + "/locked\""), list("testlocked://" + dir));
    }

    @Test
    void aPathThatMatchesNothingFailsNamingIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> list(dir + "/*.pdf"));
        assertEquals("path " + dir + "/*.pdf of the gemma data source matches no file", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> list(dir + "/*SUCCESS"));
        assertEquals("path " + dir + "/*SUCCESS of the gemma data source matches no file", e.getMessage(),
                "a glob that matches only hidden names");
    }

    @Test
    void anEmptyFolderIsNoRows() throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        assertEquals(Map.of(), list(dir + "/empty"));
    }
}
