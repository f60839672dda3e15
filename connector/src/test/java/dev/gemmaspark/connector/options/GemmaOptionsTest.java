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
        assertEquals(new GemmaSettings("/m.gguf", null, false, null, 256, 0f, 0, 1f, 0f, 0L, List.of(), null, "Transcribe this audio.",
                false, false, 32, 4096, null, 0, 0L, 256L, 0, "cpu", false, null), s);
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

    @Test
    void contextLengthIsZeroOrAtLeastTwoAndRemembersWhereItWasSet() {
        assertMessage("spark.gemma.contextLength must be 0 (the model's own) or an integer >= 2, got '1'",
                () -> conf("spark.gemma.contextLength", "1").settings());
        assertEquals(0, conf("spark.gemma.contextLength", "0").settings().contextLength());
        assertEquals(2, conf("spark.gemma.contextLength", "2").settings().contextLength());
        assertNull(GemmaOptions.fromConf(CONF).settings().contextLengthSource(), "the default is capped silently");
        assertEquals("spark.gemma.contextLength", conf("spark.gemma.contextLength", "2").settings().contextLengthSource());
        assertEquals("option 'contextLength' of gemma_generate", GemmaOptions.fromConf(CONF).overriddenBy(GemmaOptions
                .fromMap(Map.of("CONTEXTLENGTH", "64"), "gemma_generate", Set.of())).settings().contextLengthSource());
    }

    @Test
    void everyNumberIsCheckedOverItsWholeRange() {
        assertMessage("spark.gemma.maxTokens must be an integer >= 0, got '-1'", () -> conf("spark.gemma.maxTokens", "-1").settings());
        assertMessage("spark.gemma.maxTokens must be an integer >= 0, got '3000000000'",
                () -> conf("spark.gemma.maxTokens", "3000000000").settings());
        assertMessage("spark.gemma.temperature must be a number >= 0.0, got 'NaN'",
                () -> conf("spark.gemma.temperature", "NaN").settings());
        assertMessage("spark.gemma.temperature must be a number >= 0.0, got '1e39'",
                () -> conf("spark.gemma.temperature", "1e39").settings());
        assertMessage("spark.gemma.minP must be a number in [0.0, 1.0], got '1.5'", () -> conf("spark.gemma.minP", "1.5").settings());
        assertMessage("spark.gemma.seed must be an integer, got '1.5'", () -> conf("spark.gemma.seed", "1.5").settings());
        assertMessage("spark.gemma.maxSequences must be an integer >= 0, got '-1'",
                () -> conf("spark.gemma.maxSequences", "-1").settings());
        assertMessage("spark.gemma.kvCacheMB must be an integer in [0, 8796093022207], got '-1'",
                () -> conf("spark.gemma.kvCacheMB", "-1").settings());
        assertMessage("spark.gemma.kvCacheMB must be an integer in [0, 8796093022207], got '8796093022208'",
                () -> conf("spark.gemma.kvCacheMB", "8796093022208").settings());
        assertMessage("spark.gemma.parseSpecial must be true or false, got 'yes'",
                () -> conf("spark.gemma.parseSpecial", "yes").settings());
        assertMessage("spark.gemma.truncate must be true or false, got '1'", () -> conf("spark.gemma.truncate", "1").settings());
    }

    @Test
    void newEngineOptionsAreParsed() {
        GemmaSettings s = GemmaOptions.fromConf(Map.of("spark.gemma.model", "m", "spark.gemma.parseSpecial", "TRUE",
                "spark.gemma.truncate", " true ", "spark.gemma.maxSequences", "8", "spark.gemma.kvCacheMB", "6144")).settings();
        assertEquals(List.of(true, true, 8, 6144L), List.of(s.parseSpecial(), s.truncate(), s.maxSequences(), s.kvCacheMB()));
    }

    @Test
    void theDeviceIsCpuOrAnOpenClDevice() {
        assertEquals("opencl:1", conf("spark.gemma.device", " OpenCL:1 ").settings().device());
        assertEquals("opencl", conf("spark.gemma.device", "opencl").settings().device());
        assertMessage("spark.gemma.device must be cpu, opencl or opencl:N, got 'cuda'",
                () -> conf("spark.gemma.device", "cuda").settings());
        assertMessage("option 'device' of gemma_generate must be cpu, opencl or opencl:N, got 'opencl:x'",
                () -> GemmaOptions.fromConf(CONF).overriddenBy(GemmaOptions.fromMap(Map.of("device", "opencl:x"),
                        "gemma_generate", Set.of())).settings());
    }

    @Test
    void aStopThatIsNoJsonArrayOfStringsIsOneStopString() {
        assertEquals(List.of("[END]"), conf("spark.gemma.stop", "[END]").settings().stop());
        assertEquals(List.of("[1, 2]"), conf("spark.gemma.stop", "[1, 2]").settings().stop());
        assertEquals(List.of("[\"END\"] or more"), conf("spark.gemma.stop", "[\"END\"] or more").settings().stop());
        assertEquals(List.of("END", "[END]"), conf("spark.gemma.stop", " [\"END\", \"[END]\"] ").settings().stop());
        assertEquals(List.of(), conf("spark.gemma.stop", "[]").settings().stop());
        assertMessage("spark.gemma.stop must be a stop string, or a JSON array of non-empty stop strings, got '[\"\"]'",
                () -> conf("spark.gemma.stop", "[\"\"]").settings());
    }

    @Test
    void twoKeysForOneOptionAreRefusedNamingBoth() {
        Map<String, String> twice = new java.util.HashMap<>(Map.of("maxTokens", "1", "MAXTOKENS", "2"));
        assertMessage("option 'MAXTOKENS' and option 'maxTokens' of gemma_generate set the same option (names ignore "
                + "case): keep one", () -> GemmaOptions.fromMap(twice, "gemma_generate", Set.of()));
        assertMessage("option 'Task' and option 'task' of the gemma data source set the same option (names ignore "
                + "case): keep one", () -> GemmaOptions.fromMap(Map.of("task", "score", "Task", "classify"),
                "the gemma data source", Set.of("task")));
        assertMessage("spark.gemma.maxTokens and spark.gemma.maxtokens of the Spark configuration set the same option "
                + "(names ignore case): keep one", () -> GemmaOptions.fromConf(Map.of("spark.gemma.maxTokens", "1",
                "spark.gemma.maxtokens", "2")));
    }

    private static GemmaOptions conf(String key, String value) {
        return GemmaOptions.fromConf(Map.of("spark.gemma.model", "/m.gguf", key, value));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
