package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.TestAudio;
import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.connector.TestVision;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.engine.EngineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    void remoteCheckpointIsCopiedWithItsConfigAndLoads(@TempDir Path remoteDir, @TempDir Path cache) throws Exception {
        Path checkpoint = Files.createDirectories(remoteDir.resolve("gemma-3n"));
        Path config = TestAudio.GOLDEN.resolve("small_sharp/config.json");
        Path weights = TestAudio.GOLDEN.resolve("small_sharp/weights/model.safetensors");
        Files.copy(config, checkpoint.resolve("config.json"));
        Files.copy(weights, checkpoint.resolve("model.safetensors"));
        Files.writeString(checkpoint.resolve("README.md"), "not part of the weights");

        Path file = ModelLocalizer.localCheckpoint("testremote://" + checkpoint.resolve("model.safetensors"),
                cache.toString(), conf());
        assertEquals("model.safetensors", file.getFileName().toString());
        assertArrayEquals(Files.readAllBytes(weights), Files.readAllBytes(file));
        assertArrayEquals(Files.readAllBytes(config), Files.readAllBytes(file.resolveSibling("config.json")));
        try (var copied = Files.list(file.getParent())) {
            assertEquals(2, copied.count(), "the weights and config.json, nothing else");
        }
        Path folder = ModelLocalizer.localCheckpoint("testremote://" + checkpoint, cache.toString(), conf());
        try (var copied = Files.list(folder)) {
            assertEquals(List.of("README.md", "config.json", "model.safetensors"),
                    copied.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(checkpoint, ModelLocalizer.localCheckpoint(checkpoint.toString(), cache.toString(), conf()));

        ModelKey key = new ModelKey(TestAudio.model().toString(), "testremote://" + checkpoint.resolve("model.safetensors"),
                EngineOptions.defaults().withThreads(1).withContextLength(256), cache.toString());
        ModelRegistry.acquire(key, conf()).requireAudio();
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

    @Test
    void aRemoteProjectorIsCopiedOnceAndItsWeightsSharedByContexts(@TempDir Path remoteDir, @TempDir Path cache)
            throws Exception {
        Path model = remoteDir.resolve("image-model.gguf");
        Files.copy(TestVision.MODEL, model);
        Path remote = remoteDir.resolve("mmproj.gguf");
        Files.copy(TestVision.MMPROJ, remote);
        String uri = "testremote://" + remote;
        EngineOptions options = EngineOptions.defaults().withThreads(1).withContextLength(384);
        int loadsBefore = ModelRegistry.loadCount();
        SharedModel a = ModelRegistry.acquire(new ModelKey(model.toString(), null, options, cache.toString(), uri),
                conf());
        SharedModel otherLength = ModelRegistry.acquire(new ModelKey(model.toString(), null,
                options.withContextLength(512), cache.toString(), uri), conf());
        assertTrue(a.engine().hasVision());
        assertNotSame(a, otherLength);
        assertSame(a.engine().weights(), otherLength.engine().weights(), "one vision tower for both contexts");
        assertEquals(loadsBefore + 1, ModelRegistry.loadCount());
        try (var files = Files.list(cache)) {
            List<Path> copies = files.toList();
            assertEquals(1, copies.size(), copies.toString());
            assertTrue(copies.getFirst().getFileName().toString().endsWith("-mmproj.gguf"), copies.toString());
            assertArrayEquals(Files.readAllBytes(TestVision.MMPROJ), Files.readAllBytes(copies.getFirst()));
        }
        SharedModel without = ModelRegistry.acquire(new ModelKey(model.toString(), null, options, cache.toString()),
                conf());
        assertFalse(without.engine().hasVision());
        assertEquals(loadsBefore + 2, ModelRegistry.loadCount(), "without the projector the weights are others");
    }

    @Test
    void driverCheckReadsTheMagicOfARemoteProjector(@TempDir Path remoteDir) throws Exception {
        Path png = Files.copy(TestVision.image(TestVision.IMAGES.get(0)), remoteDir.resolve("mmproj.gguf"));
        var e = assertThrows(IllegalArgumentException.class, () -> ModelFileCheck.check(GemmaOptions.fromMap(
                Map.of("model", TestSpark.MODEL.toString(), "mmproj", "testremote://" + png), "test", Set.of())
                .settings(), "model", "audioWeights", false, conf()));
        assertEquals("vision projector testremote://" + png + " (option mmproj) is not a GGUF file (no 'GGUF' magic "
                + "at the start)", e.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> ModelFileCheck.check(GemmaOptions.fromMap(
                Map.of("model", TestSpark.MODEL.toString(), "mmproj", "testremote://" + remoteDir.resolve("none.gguf")),
                "test", Set.of()).settings(), "model", "audioWeights", false, conf()));
        assertEquals("vision projector testremote://" + remoteDir.resolve("none.gguf") + " (option mmproj) does not "
                + "exist", missing.getMessage());
    }
}
