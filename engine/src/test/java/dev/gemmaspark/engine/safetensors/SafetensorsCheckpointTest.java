package dev.gemmaspark.engine.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {
    private static final String CONV0 = "model.audio_tower.subsample_conv_projection.conv_0.conv.weight";
    private static final String PER_DIM_SCALE = "model.audio_tower.conformer.1.attention.attn.per_dim_scale";

    @TempDir
    Path dir;

    static Path goldenWeights() throws URISyntaxException {
        return Path.of(SafetensorsCheckpointTest.class.getResource("/golden/audio/small_sharp/weights/model.safetensors").toURI());
    }

    @Test
    void generatorMatchesTheReadmeSelfTest() {
        assertEquals(0xe71fa2190541574bL, GoldenWeightGenerator.fnv1a64("abc"));
        assertEquals(0x58ce7e7a29ecc83eL, GoldenWeightGenerator.key(CONV0, 2));
        float[] v = GoldenWeightGenerator.values("test", 0, 0, 1, 3);
        assertEquals(0xbf469b2f, Float.floatToIntBits(v[0]));
        assertEquals(0x3fc0d6fe, Float.floatToIntBits(v[2]));
    }

    @Test
    void readsTheGoldenCheckpointBitForBitAsTheGeneratorMakesIt() throws Exception {
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(goldenWeights())) {
            // 5 SSCP tensors, 22 per conformer layer (2 layers), 4 in embed_audio.
            assertEquals(5 + 2 * 22 + 4, ckpt.names().size());
            SafetensorsTensor conv = ckpt.tensor(CONV0, 24, 1, 3, 3);
            assertEquals(SafetensorsDType.F32, conv.dtype());
            assertArrayEquals(GoldenWeightGenerator.values(CONV0, 2, 0.0, 1.0 / 3.0, 216), conv.toFloatArray());
            float[] scale = ckpt.tensor(PER_DIM_SCALE, 32).toFloatArray();
            assertArrayEquals(GoldenWeightGenerator.values(PER_DIM_SCALE, 2, 0.5, 1.0, 32), scale);
        }
    }

    @Test
    void shardedFolderWithIndexResolvesEachTensorToItsShard() throws IOException {
        new SafetensorsWriter()
                .f32("a.weight", new long[] {2, 3}, 1, 2, 3, 4, 5, -6)
                .bits16("b.bf16", "BF16", new long[] {2}, bf16(1.5f), bf16(-2.25f))
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter()
                .bits16("c.f16", "F16", new long[] {3}, Float.floatToFloat16(0.5f), Float.floatToFloat16(-3f),
                        Float.floatToFloat16(65504f))
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), """
                {"metadata": {"total_size": 42}, "weight_map": {
                  "a.weight": "model-00001-of-00002.safetensors",
                  "b.bf16": "model-00001-of-00002.safetensors",
                  "c.f16": "model-00002-of-00002.safetensors"}}
                """);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertEquals(3, ckpt.names().size());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6}, ckpt.tensor("a.weight", 2, 3).toFloatArray());
            assertArrayEquals(new float[] {1.5f, -2.25f}, ckpt.tensor("b.bf16", 2).toFloatArray());
            SafetensorsTensor c = ckpt.tensor("c.f16");
            assertEquals(SafetensorsDType.F16, c.dtype());
            assertTrue(c.file().toString().endsWith("model-00002-of-00002.safetensors"));
            assertArrayEquals(new float[] {0.5f, -3f, 65504f}, c.toFloatArray());
            assertEquals(6, c.data().byteSize());
        }
    }

    @Test
    void missingTensorAndWrongShapeNameTheTensor() throws Exception {
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(goldenWeights())) {
            var missing = assertThrows(SafetensorsFormatException.class, () -> ckpt.tensor("model.audio_tower.nope"));
            assertTrue(missing.getMessage().contains("model.audio_tower.nope"), missing.getMessage());
            assertTrue(missing.getMessage().contains("model.safetensors"), missing.getMessage());
            var shape = assertThrows(SafetensorsFormatException.class, () -> ckpt.tensor(CONV0, 128, 1, 3, 3));
            assertTrue(shape.getMessage().contains(CONV0) && shape.getMessage().contains("[24, 1, 3, 3]"), shape.getMessage());
        }
    }

    @Test
    void truncatedFileFailsAtOpenNamingFileAndTensor() throws Exception {
        byte[] whole = Files.readAllBytes(goldenWeights());
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 100));
        var e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(cut));
        assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("tensor model."), e.getMessage());

        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, Arrays.copyOf(whole, 5));
        var t = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(tiny));
        assertTrue(t.getMessage().contains("tiny.safetensors") && t.getMessage().contains("truncated"), t.getMessage());
    }

    @Test
    void badHeaderAndUnsupportedDtypeAreReported() throws IOException {
        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(garbage, "this is not a checkpoint at all".getBytes());
        var e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(garbage));
        assertTrue(e.getMessage().contains("garbage.safetensors") && e.getMessage().contains("header"), e.getMessage());

        Path notJson = dir.resolve("notjson.safetensors");
        byte[] bytes = new byte[8 + 4];
        bytes[0] = 4;
        System.arraycopy("{{{{".getBytes(), 0, bytes, 8, 4);
        Files.write(notJson, bytes);
        var j = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(notJson));
        assertTrue(j.getMessage().contains("notjson.safetensors") && j.getMessage().contains("not JSON"), j.getMessage());

        Path ints = dir.resolve("ints.safetensors");
        new SafetensorsWriter().raw("ids", "I64", new long[] {1}, new byte[8]).write(ints);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(ints)) {
            var d = assertThrows(SafetensorsFormatException.class, () -> ckpt.tensor("ids"));
            assertTrue(d.getMessage().contains("ids") && d.getMessage().contains("I64"), d.getMessage());
        }
    }

    @Test
    void indexNamingAMissingShardFails() throws IOException {
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"weight_map\": {\"x\": \"gone.safetensors\"}}");
        var e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("gone.safetensors") && e.getMessage().contains("x"), e.getMessage());
    }

    private static short bf16(float f) {
        return (short) (Float.floatToIntBits(f) >>> 16);
    }
}
