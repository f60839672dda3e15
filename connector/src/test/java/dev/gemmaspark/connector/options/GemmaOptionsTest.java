package dev.gemmaspark.connector.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GemmaOptionsTest {
    private static final Map<String, String> CONF = Map.of("spark.gemma.model", "/m.gguf", "spark.app.name", "x");

    @Test
    void defaultsAreTheDocumentedOnes() {
        GemmaSettings s = GemmaOptions.fromConf(CONF).settings();
        assertEquals(new GemmaSettings("/m.gguf", null, false, 256, 0f, 0, 1f, 0f, 0L, List.of(), null, "Transcribe this audio.",
                32, 4096, 0, false, null), s);
    }

    @Test
    void callOptionsOverrideTheSessionIgnoringCase() {
        GemmaOptions session = GemmaOptions.fromConf(Map.of("spark.gemma.model", "/m.gguf", "spark.gemma.maxTokens", "64",
                "spark.gemma.temperature", "0.5"));
        GemmaSettings s = session.overriddenBy(GemmaOptions.fromMap(Map.of("MAXTOKENS", "8", "stop", "[\"\\n\", \"END\"]",
                "systemPrompt", "Be brief."), "gemma_generate", Set.of())).settings();
        assertEquals(8, s.maxTokens());
        assertEquals(0.5f, s.temperature());
        assertEquals(List.of("\n", "END"), s.stop());
        assertEquals("Be brief.", s.systemPrompt());
    }

    @Test
    void audioWeightsAndTranscribePrompt() {
        GemmaSettings s = GemmaOptions.fromConf(Map.of("spark.gemma.model", "m", "spark.gemma.audioWeights",
                " hdfs:///models/gemma-3n/ ")).overriddenBy(GemmaOptions.fromMap(Map.of("transcribePrompt",
                "Transcribe this call."), "gemma_transcribe", Set.of())).settings();
        assertEquals("hdfs:///models/gemma-3n/", s.audioWeights());
        assertEquals("Transcribe this call.", s.transcribePrompt());
    }

    @Test
    void aPlainStopIsOneStopString() {
        GemmaSettings s = GemmaOptions.fromConf(Map.of("spark.gemma.model", "m", "spark.gemma.stop", "###")).settings();
        assertEquals(List.of("###"), s.stop());
    }

    @Test
    void badValuesAreReportedUnderTheNameTheUserWrote() {
        assertMessage("spark.gemma.topP must be a number in (0.0, 1.0], got '0'",
                () -> GemmaOptions.fromConf(Map.of("spark.gemma.model", "m", "spark.gemma.topP", "0")).settings());
        assertMessage("option 'failOnError' of gemma_score must be true or false, got 'yes'",
                () -> GemmaOptions.fromConf(CONF).overriddenBy(
                        GemmaOptions.fromMap(Map.of("failOnError", "yes"), "gemma_score", Set.of())).settings());
        assertMessage("unknown Spark configuration key spark.gemma.maxToken; known spark.gemma options: " + GemmaOption.names(),
                () -> GemmaOptions.fromConf(Map.of("spark.gemma.maxToken", "3")));
        assertMessage("no model: set spark.gemma.model (or the 'model' option) to the path of a Gemma 3n GGUF file",
                () -> GemmaOptions.empty().settings());
    }

    @Test
    void optionsOwnedByTheCallerAreSkipped() {
        GemmaSettings s = GemmaOptions.fromConf(CONF).overriddenBy(
                GemmaOptions.fromMap(Map.of("Task", "summarize", "path", "/x"), "the gemma data source", Set.of("task", "path")))
                .settings();
        assertNull(s.systemPrompt());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
