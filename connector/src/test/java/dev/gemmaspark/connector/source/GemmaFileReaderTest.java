package dev.gemmaspark.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A partition's reader over files that went bad after listing: each is an error row, the others are read. */
class GemmaFileReaderTest {
    private static final Map<String, String> CONF = Map.of("spark.gemma.model", TestSpark.MODEL.toString(),
            "spark.gemma.contextLength", "512", "spark.gemma.threads", "1");

    /**
     * path -> error (null when the row has a result) of every row the reader returns for {@code files}, scored:
     * one forward pass per file is the cheapest task that reads it.
     */
    private static Map<String, String> read(List<InputFile> files) {
        SourceOptions options = SourceOptions.parse(Map.of("task", "score", "path", "unused"), CONF);
        Configuration conf = new Configuration();
        conf.set("fs.testlocked.impl", LockedTestFileSystem.class.getName());
        conf.setBoolean("fs.testlocked.impl.disable.cache", true);
        Map<String, String> rows = new HashMap<>();
        try (GemmaFileReader reader = new GemmaFileReader(new FilePartition(files), options, conf)) {
            while (reader.next()) {
                ColumnarBatch batch = reader.get();
                for (int i = 0; i < batch.numRows(); i++) {
                    InternalRow row = batch.getRow(i);
                    assertEquals(row.isNullAt(1), !row.isNullAt(4), "a row has a log-likelihood or an error");
                    rows.put(row.getUTF8String(0).toString(), row.isNullAt(4) ? null : row.getUTF8String(4).toString());
                }
            }
        }
        return rows;
    }

    @Test
    void filesThatVanishOrCannotBeReadAreErrorRowsNamingThem(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.txt"), "The quick brown fox");
        Files.writeString(dir.resolve("b.txt"), "Once upon a time");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/c.txt"), "Hi");
        Files.createSymbolicLink(dir.resolve("dangling.txt"), Paths.get("/nonexistent/gone.txt"));
        List<InputFile> files = FileListing.list(List.of(dir.toString()), new Configuration());
        assertEquals(4, files.size(), files.toString());
        Files.delete(dir.resolve("b.txt"));
        Files.delete(dir.resolve("sub/c.txt"));
        Files.delete(dir.resolve("sub"));

        Map<String, String> rows = read(files);
        String base = "file:" + dir + "/";
        assertEquals(4, rows.size());
        assertTrue(rows.containsKey(base + "a.txt"));
        assertNull(rows.get(base + "a.txt"));
        for (String gone : List.of("b.txt", "sub/c.txt")) {
            String error = rows.get(base + gone);
            assertTrue(error.startsWith("cannot read " + base + gone + ": ") && error.contains(dir + "/" + gone), error);
        }
        assertEquals("cannot read " + base + "dangling.txt: a dangling symbolic link (to /nonexistent/gone.txt)",
                rows.get(base + "dangling.txt"));
    }

    @Test
    void aFileThatMayNotBeReadIsAnErrorRow(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("secret.txt"), "classified");
        String path = "testlocked:" + dir + "/secret.txt";
        assertEquals("cannot read " + path + ": Permission denied: user=test, access=READ, inode=\"" + path + "\"",
                read(List.of(new InputFile(path, 10))).get(path));
    }

    @Test
    void aFileIsReadNoFurtherThanTheLimitOfARowWhateverItsListedSize() {
        // /dev/zero stands for a file that grew after listing: it is never read whole
        Map<String, String> rows = read(List.of(new InputFile("file:/dev/zero", 0)));
        assertEquals("cannot read file:/dev/zero: the file has grown past the " + GemmaFileReader.MAX_TEXT_FILE_BYTES
                + " bytes a row may have since it was listed", rows.get("file:/dev/zero"));
    }
}
