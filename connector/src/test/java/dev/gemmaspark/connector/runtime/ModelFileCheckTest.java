package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's check of the model file: its training context, and failures to reach it, named. */
class ModelFileCheckTest {
    /** The golden model's {@code gemma3n.context_length}. */
    private static final int TRAINING_CONTEXT = 2048;

    private static Configuration conf() {
        Configuration conf = new Configuration(false);
        conf.set("fs.unreachable.impl", UnreachableTestFileSystem.class.getName());
        conf.setBoolean("fs.unreachable.impl.disable.cache", true);
        return conf;
    }

    private static GemmaSettings settings(String model, Map<String, String> callOptions) {
        Map<String, String> session = new HashMap<>(Map.of("spark.gemma.model", model));
        return GemmaOptions.fromConf(session).overriddenBy(GemmaOptions.fromMap(callOptions, "gemma_generate", Set.of()))
                .settings();
    }

    private static void check(GemmaSettings settings) {
        ModelFileCheck.check(settings, "spark.gemma.model", "spark.gemma.audioWeights", false, conf());
    }

    @Test
    void anExplicitContextLengthAboveTheModelsIsRefusedNamingBoth() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> check(settings(TestSpark.MODEL.toString(), Map.of("contextLength", "4096"))));
        assertEquals("option 'contextLength' of gemma_generate is 4096, more than the training context of model file "
                + TestSpark.MODEL + " (spark.gemma.model): " + TRAINING_CONTEXT + " tokens; set at most "
                + TRAINING_CONTEXT + ", or 0 for the model's own", e.getMessage());
        check(settings(TestSpark.MODEL.toString(), Map.of("contextLength", String.valueOf(TRAINING_CONTEXT))));
        check(settings(TestSpark.MODEL.toString(), Map.of("contextLength", "0")));
        GemmaSettings byDefault = settings(TestSpark.MODEL.toString(), Map.of());
        assertEquals(4096, byDefault.contextLength());
        check(byDefault); // the engine caps the default at the model's own
    }

    @Test
    void anUnknownHostIsNamedWithTheOption() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> check(settings("unreachable://nohost.invalid/m.gguf", Map.of())));
        assertEquals("cannot read model file unreachable://nohost.invalid/m.gguf (spark.gemma.model): cannot reach host "
                + "'nohost.invalid' (unknown host)", e.getMessage());
        var audio = assertThrows(IllegalArgumentException.class, () -> ModelFileCheck.check(
                settings(TestSpark.MODEL.toString(), Map.of("audioWeights", "unreachable://nohost.invalid/gemma-3n")),
                "spark.gemma.model", "option 'audioWeights' of gemma_transcribe", true, conf()));
        assertEquals("cannot read audio weights unreachable://nohost.invalid/gemma-3n (option 'audioWeights' of "
                + "gemma_transcribe): cannot reach host 'nohost.invalid' (unknown host)", audio.getMessage());
        var executor = assertThrows(IOException.class,
                () -> ModelLocalizer.localPath("unreachable://nohost.invalid/m.gguf", null, conf()));
        assertEquals("cannot reach host 'nohost.invalid' (unknown host)", executor.getMessage());
    }

    @Test
    void aSchemeWithoutItsFileSystemIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> check(settings("nofs://bucket/m.gguf", Map.of())));
        assertEquals("cannot read model file nofs://bucket/m.gguf (spark.gemma.model): no Hadoop file system for this "
                + "scheme on the classpath (No FileSystem for scheme \"nofs\"); a scheme such as s3a:// needs its "
                + "connector (hadoop-aws) on the driver and the executors", e.getMessage());
    }

    @Test
    void aLocalNameWithCharactersAUriForbidsIsALocalFile(@TempDir Path dir) throws Exception {
        Path model = Files.copy(TestSpark.MODEL, dir.resolve("gemma [tiny] {q4}%.gguf"));
        check(settings(model.toString(), Map.of()));
        check(settings("file:" + model, Map.of()));
        assertEquals(model, ModelLocalizer.localPath("file://" + model, null, conf()));
    }
}
