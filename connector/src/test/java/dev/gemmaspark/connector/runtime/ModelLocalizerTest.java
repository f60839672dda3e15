package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocalizerTest {
    private static Configuration conf() {
        Configuration conf = new Configuration(false);
        conf.set("fs.testremote.impl", RemoteTestFileSystem.class.getName());
        conf.setBoolean("fs.testremote.impl.disable.cache", true);
        return conf;
    }

    @Test
    void localPathsAreUsedInPlace() throws Exception {
        assertEquals(TestSpark.MODEL, ModelLocalizer.localPath(TestSpark.MODEL.toString(), null, conf()));
        assertEquals(TestSpark.MODEL, ModelLocalizer.localPath(TestSpark.MODEL.toUri().toString(), null, conf()));
    }

    @Test
    void remoteFileIsCopiedOnceIntoTheCache(@TempDir Path remoteDir, @TempDir Path cache) throws Exception {
        Path remote = remoteDir.resolve("model.gguf");
        Files.copy(TestSpark.MODEL, remote);
        String uri = "testremote://" + remote;
        Path local = ModelLocalizer.localPath(uri, cache.toString(), conf());
        assertEquals(cache, local.getParent());
        assertTrue(local.getFileName().toString().endsWith("-model.gguf"), local.toString());
        assertArrayEquals(Files.readAllBytes(TestSpark.MODEL), Files.readAllBytes(local));
        try (var files = Files.list(cache)) {
            assertEquals(List.of(local), files.toList(), "no partial copy left behind");
        }
        FileTime copiedAt = Files.getLastModifiedTime(local);
        Files.setLastModifiedTime(local, FileTime.fromMillis(copiedAt.toMillis() - 60_000));
        FileTime marked = Files.getLastModifiedTime(local);
        assertEquals(local, ModelLocalizer.localPath(uri, cache.toString(), conf()));
        assertEquals(marked, Files.getLastModifiedTime(local), "second use must not copy again");
    }

    @Test
    void aCacheFileOfTheWrongSizeIsReplaced(@TempDir Path remoteDir, @TempDir Path cache) throws Exception {
        Path remote = remoteDir.resolve("model.gguf");
        Files.copy(TestSpark.MODEL, remote);
        String uri = "testremote://" + remote;
        Path local = ModelLocalizer.localPath(uri, cache.toString(), conf());
        Files.write(local, new byte[10]);
        assertEquals(local, ModelLocalizer.localPath(uri, cache.toString(), conf()));
        assertEquals(Files.size(TestSpark.MODEL), Files.size(local));
    }

    @Test
    void remoteAndLocalAreToldApart() {
        assertTrue(ModelLocalizer.isLocal("/models/m.gguf"));
        assertTrue(ModelLocalizer.isLocal("file:///models/m.gguf"));
        assertFalse(ModelLocalizer.isLocal("hdfs:///models/m.gguf"));
        assertFalse(ModelLocalizer.isLocal("s3a://bucket/m.gguf"));
    }

    @Test
    void driverCheckReadsTheMagicOfARemoteFile(@TempDir Path remoteDir) throws Exception {
        Path notGguf = remoteDir.resolve("weights.bin");
        Files.writeString(notGguf, "PK\u0003\u0004 not a model");
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ModelFileCheck.check("testremote://" + notGguf, "spark.gemma.model", conf()));
        assertEquals("model file testremote://" + notGguf + " (spark.gemma.model) is not a GGUF file (no 'GGUF' magic "
                + "at the start)", e.getMessage());
        Path good = remoteDir.resolve("model.gguf");
        Files.copy(TestSpark.MODEL, good);
        ModelFileCheck.check("testremote://" + good, "spark.gemma.model", conf());
    }
}
