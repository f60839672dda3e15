package dev.gemmaspark.engine.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.GGUFFormatException;
import dev.gemmaspark.engine.gguf.GGUFWriter;
import dev.gemmaspark.engine.gguf.SpecDequantizer;
import dev.gemmaspark.engine.gguf.TensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TINY preset against the golden tiny6q files, which llama.cpp's converter and quantizer produced. */
class ModelSynthesizerTest {
    /** The seed of the golden tiny6q models (their JSON says so); any seed would do for what is compared. */
    private static final long SEED = 4;
    private static final Set<String> DIFFERENT_CONTENT = Set.of("general.name", "general.description",
            "tokenizer.ggml.tokens");

    @TempDir
    static Path dir;
    private static final Map<String, Path> written = new HashMap<>();

    @BeforeAll
    static void writeTinyModels() throws IOException {
        for (GGMLType quant : List.of(GGMLType.Q4_K, GGMLType.Q4_0, GGMLType.Q8_0, GGMLType.F16)) {
            written.put(quant.name(), write(quant, SEED, "tiny-" + quant + ".gguf"));
        }
    }

    private static Path write(GGMLType quant, long seed, String name) throws IOException {
        Path out = dir.resolve(name);
        ModelSynthesizer.write(Preset.TINY, quant, seed, null, out);
        return out;
    }

    static Path golden(String file) {
        try {
            return Path.of(Objects.requireNonNull(ModelSynthesizerTest.class.getResource("/golden/models/" + file),
                    file).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @CsvSource({"Q4_K, gemma3n-tiny6q-tinyvocab-Q4_K_M.gguf", "Q4_0, gemma3n-tiny6q-tinyvocab-Q4_0.gguf",
            "Q8_0, gemma3n-tiny6q-tinyvocab-Q8_0.gguf"})
    void hasTheKeysTensorsShapesAndTypesOfTheGoldenFile(String quant, String goldenFile) {
        try (GGUFFile mine = GGUFFile.open(written.get(quant)); GGUFFile gold = GGUFFile.open(golden(goldenFile))) {
            assertEquals(List.copyOf(gold.metadata().keySet()), List.copyOf(mine.metadata().keySet()));
            for (String key : gold.metadata().keySet()) {
                Object want = gold.metadata().get(key);
                Object got = mine.metadata().get(key);
                if (want instanceof float[] floats) {
                    // numeric equality: the golden scores hold a -0.0 where ours hold 0.0
                    assertArrayEquals(floats, (float[]) got, 0f, key);
                } else if (!DIFFERENT_CONTENT.contains(key)) {
                    assertTrue(Objects.deepEquals(want, got), key);
                }
            }
            // The synthetic vocabulary has the golden layout: same specials and byte tokens, other normal pieces.
            String[] goldTokens = gold.getStringArray("tokenizer.ggml.tokens");
            String[] myTokens = mine.getStringArray("tokenizer.ggml.tokens");
            assertEquals(goldTokens.length, myTokens.length);
            assertArrayEquals(Arrays.copyOf(goldTokens, 266), Arrays.copyOf(myTokens, 266));
            assertEquals(myTokens.length, Set.of(myTokens).size(), "tokens are unique");

            assertEquals(gold.tensors().keySet(), mine.tensors().keySet());
            for (TensorInfo g : gold.tensors().values()) {
                TensorInfo m = mine.tensor(g.name());
                assertArrayEquals(g.ne(), m.ne(), g.name());
                assertEquals(g.type(), m.type(), g.name());
            }
        }
    }

    @Test
    void f16QuantizesExactlyTheTensorsLlamaCppQuantizes() {
        try (GGUFFile mine = GGUFFile.open(written.get("F16"));
             GGUFFile q8 = GGUFFile.open(golden("gemma3n-tiny6q-tinyvocab-Q8_0.gguf"))) {
            assertEquals(1, mine.getLong("general.file_type"));
            for (TensorInfo g : q8.tensors().values()) {
                GGMLType want = g.type() == GGMLType.Q8_0 ? GGMLType.F16 : g.type();
                assertEquals(want, mine.tensor(g.name()).type(), g.name());
            }
        }
    }

    /**
     * Tensor by tensor (all layers of a kind pooled), the dequantized values have the mean and spread of the golden
     * model's, which has the same dimensions, quantization and initialisation.
     */
    @Test
    void valuesFollowTheGoldenModelsDistribution() {
        try (GGUFFile mine = GGUFFile.open(written.get("Q4_K"));
             GGUFFile gold = GGUFFile.open(golden("gemma3n-tiny6q-tinyvocab-Q4_K_M.gguf"))) {
            Map<String, double[]> myStats = pooledStats(mine);
            Map<String, double[]> goldStats = pooledStats(gold);
            assertEquals(goldStats.keySet(), myStats.keySet());
            goldStats.forEach((kind, g) -> {
                double[] m = myStats.get(kind);
                double n = g[2];
                double stdTolerance = 0.05 + 4 / Math.sqrt(n);
                double meanTolerance = g[1] * (0.05 + 4 / Math.sqrt(n));
                assertEquals(g[1], m[1], g[1] * stdTolerance, kind + " std");
                assertEquals(g[0], m[0], meanTolerance, kind + " mean");
            });
        }
    }

    /** The initialisation the golden JSON declares, checked on a few large tensors of the F16 file. */
    @Test
    void matricesHaveTheDeclaredInitialisation() throws IOException {
        Map<?, ?> init = (Map<?, ?>) goldenJson("gemma3n-tiny6q-tinyvocab-Q4_K_M.gguf.json").get("init");
        double std = ((Number) init.get("std")).doubleValue();
        double embdStd = ((Number) init.get("token_embd_std")).doubleValue();
        double routerStd = ((Number) init.get("altup_router_std")).doubleValue();
        try (GGUFFile mine = GGUFFile.open(written.get("F16"))) {
            assertStats(mine, "blk.3.ffn_up.weight", 0, std);
            assertStats(mine, "per_layer_token_embd.weight", 0, std);
            assertStats(mine, "token_embd.weight", 0, embdStd);
            assertStats(mine, "blk.0.altup_router.weight", 0, routerStd);
            assertStats(mine, "blk.1.attn_norm.weight", 1, ((Number) init.get("norm_std")).doubleValue());
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws IOException {
        Path again = write(GGMLType.Q8_0, SEED, "again.gguf");
        Path other = write(GGMLType.Q8_0, SEED + 1, "other.gguf");
        String first = sha256(written.get("Q8_0"));
        assertEquals(first, sha256(again));
        assertNotEquals(first, sha256(other));
    }

    @Test
    void theWeightsDependOnTheSeedAloneNotOnTheQuantization() {
        try (GGUFFile q4k = GGUFFile.open(written.get("Q4_K")); GGUFFile q40 = GGUFFile.open(written.get("Q4_0"))) {
            for (String name : List.of("altup_proj.weight", "blk.2.laurel_l.weight", "token_embd.weight")) {
                assertArrayEquals(q4k.tensor(name).data().toArray(ValueLayout.JAVA_BYTE),
                        q40.tensor(name).data().toArray(ValueLayout.JAVA_BYTE), name);
            }
        }
    }

    @Test
    void badOptionsAreRejectedWithTheirName() throws IOException {
        IllegalArgumentException quant = assertThrows(IllegalArgumentException.class,
                () -> ModelSynthesizer.write(Preset.TINY, GGMLType.Q5_0, 1, null, dir.resolve("x.gguf")));
        assertTrue(quant.getMessage().contains("Q5_0"), quant.getMessage());

        Path missing = dir.resolve("no-such-vocab.gguf");
        GGUFFormatException notFound = assertThrows(GGUFFormatException.class,
                () -> ModelSynthesizer.write(Preset.TINY, GGMLType.Q8_0, 1, missing, dir.resolve("y.gguf")));
        assertTrue(notFound.getMessage().contains(missing.toString()), notFound.getMessage());

        Path noVocab = dir.resolve("no-vocab.gguf");
        new GGUFWriter().putString("general.architecture", "gemma3n").write(noVocab);
        GGUFFormatException notVocab = assertThrows(GGUFFormatException.class,
                () -> ModelSynthesizer.write(Preset.TINY, GGMLType.Q8_0, 1, noVocab, dir.resolve("z.gguf")));
        assertTrue(notVocab.getMessage().contains(noVocab.toString())
                && notVocab.getMessage().contains("tokenizer.ggml.tokens"), notVocab.getMessage());

        IllegalArgumentException preset = assertThrows(IllegalArgumentException.class, () -> Preset.parse("e3b"));
        assertTrue(preset.getMessage().contains("e3b"), preset.getMessage());
        assertEquals(Preset.E2B, Preset.parse("e2b"));
    }

    /** Mean, std and count of every tensor kind ("blk.N." pooled over layers). */
    private static Map<String, double[]> pooledStats(GGUFFile f) {
        Map<String, double[]> sums = new HashMap<>();
        for (TensorInfo t : f.tensors().values()) {
            String kind = t.name().replaceFirst("^blk\\.\\d+\\.", "blk.N.");
            double[] s = sums.computeIfAbsent(kind, k -> new double[3]);
            for (float v : SpecDequantizer.dequantize(t)) {
                s[0] += v;
                s[1] += (double) v * v;
                s[2]++;
            }
        }
        Map<String, double[]> stats = new HashMap<>();
        sums.forEach((kind, s) -> {
            double mean = s[0] / s[2];
            stats.put(kind, new double[] {mean, Math.sqrt(s[1] / s[2] - mean * mean), s[2]});
        });
        return stats;
    }

    private static void assertStats(GGUFFile f, String name, double mean, double std) {
        float[] v = SpecDequantizer.dequantize(f.tensor(name));
        double sum = 0;
        double sq = 0;
        for (float x : v) {
            sum += x;
            sq += (double) x * x;
        }
        double m = sum / v.length;
        double s = Math.sqrt(sq / v.length - m * m);
        double tolerance = 4 / Math.sqrt(v.length) + 0.01;
        assertEquals(mean, m, std * tolerance, name + " mean");
        assertEquals(std, s, std * tolerance, name + " std");
    }

    private static Map<?, ?> goldenJson(String file) throws IOException {
        try (InputStream in = Files.newInputStream(golden(file))) {
            return new ObjectMapper().readValue(in, Map.class);
        }
    }

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
