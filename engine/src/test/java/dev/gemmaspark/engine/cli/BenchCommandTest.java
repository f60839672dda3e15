package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.synth.ModelSynthesizer;
import dev.gemmaspark.engine.synth.Preset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench} runs every test it promises and reports them; the figures themselves are not judged. */
class BenchCommandTest {
    private static final String MODEL = Golden.model("gemma3n-tiny6q-tinyvocab-Q4_0").toString();

    @Test
    void reportsPromptGenerationAndParallelThroughputAsJson() throws Exception {
        CliRun r = CliRun.of("bench", "--model", MODEL, "-p", "8", "-n", "4", "--parallel", "1,3", "-r", "2",
                "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals(8, o.get("prompt_tokens").asInt());
        assertEquals(4, o.get("generated_tokens").asInt());
        assertTrue(o.get("pp_tokens_per_second").get("mean").asDouble() > 0);
        assertTrue(o.get("tg_tokens_per_second").get("mean").asDouble() > 0);
        assertEquals(2, o.get("parallel").size());
        assertEquals(3, o.get("parallel").get(1).get("sequences").asInt());
        assertTrue(o.get("parallel").get(1).get("total_tokens_per_second").get("mean").asDouble() > 0);
        assertTrue(o.get("peak_resident_bytes").asLong() > 0);
    }

    @Test
    void audioModeReportsTheEncodersAndTranscriptionsRealTimeFactors(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny-audio.gguf");
        ModelSynthesizer.write(Preset.TINY_AUDIO, GGMLType.F32, 2, null, true, model);
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--audio", "--audio-seconds", "2", "-n", "3",
                "-r", "2", "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals(2.0, o.get("audio_seconds").asDouble());
        assertEquals(1, o.get("windows").asInt());
        assertEquals(3, o.get("output_tokens").asInt());
        assertEquals(2, o.get("repetitions").asInt());
        assertEquals(2, o.get("audio_tower").get("blocks").asInt());
        assertEquals(128, o.get("audio_tower").get("width").asInt());
        assertEquals("F32", o.get("audio_tower").get("weight_type").asText());
        for (String test : new String[] {"encoder", "transcription"}) {
            for (String figure : new String[] {"seconds", "real_time_factor", "audio_seconds_per_second"}) {
                JsonNode stat = o.get(test).get(figure);
                assertTrue(stat.get("mean").asDouble() > 0, test + " " + figure);
                assertTrue(stat.get("sd").asDouble() >= 0, test + " " + figure);
            }
        }
        assertTrue(o.get("peak_resident_bytes").asLong() > 0);

        CliRun text = CliRun.of("bench", "--model", model.toString(), "--audio", "--audio-seconds", "0.5", "-n", "1",
                "-r", "1", "--threads", "1");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("audio tower 2 blocks x 128 (F32)"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("encoder ")), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("transcription ")), text.out());
    }

    @Test
    void audioModeNeedsATowerAndItsOwnOptions() {
        CliRun noTower = CliRun.of("bench", "--model", MODEL, "--audio", "-r", "1", "--threads", "1");
        assertEquals(1, noTower.status());
        assertTrue(noTower.err().contains(MODEL + ": the model has no audio tower"), noTower.err());
        assertEquals(2, CliRun.of("bench", "--model", MODEL, "--audio-seconds", "5").status());
        CliRun withParallel = CliRun.of("bench", "--model", MODEL, "--audio", "--parallel", "2");
        assertEquals(2, withParallel.status());
        assertTrue(withParallel.err().contains("--parallel"), withParallel.err());
        assertEquals(2, CliRun.of("bench", "--model", MODEL, "--audio", "--audio-seconds", "0").status());
    }

    @Test
    void scoreAndClassifyReportTheirFiguresBesidePromptProcessing() throws Exception {
        CliRun r = CliRun.of("bench", "--model", MODEL, "-p", "24", "--score", "--classify", "3", "--parallel", "1,2",
                "-r", "2", "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals(24, o.get("prompt_tokens").asInt());
        assertTrue(o.get("pp_tokens_per_second").get("mean").asDouble() > 0);
        // nothing is generated: no tg and no generation rows
        assertNull(o.get("tg_tokens_per_second"));
        assertNull(o.get("parallel"));
        JsonNode score = o.get("score");
        assertEquals(2, score.size());
        assertEquals(2, score.get(1).get("texts").asInt());
        for (JsonNode row : score) {
            assertTrue(row.get("tokens_per_second").get("mean").asDouble() > 0, row.toString());
            assertTrue(row.get("texts_per_second").get("mean").asDouble() > 0, row.toString());
        }
        JsonNode classify = o.get("classify");
        assertEquals(3, classify.get("labels").asInt());
        assertEquals(ScoringBench.LABEL_TOKENS, classify.get("label_tokens").asInt());
        assertEquals(2, classify.get("rows").size());
        assertEquals(2, classify.get("rows").get(1).get("requests").asInt());
        for (JsonNode row : classify.get("rows")) {
            for (String figure : new String[] {"classify_per_second", "score_per_second", "cost_relative_to_score"}) {
                assertTrue(row.get(figure).get("mean").asDouble() > 0, figure + " " + row);
            }
        }

        CliRun text = CliRun.of("bench", "--model", MODEL, "-p", "16", "--classify", "2", "--parallel", "2", "-r", "1",
                "--threads", "1");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("classify: chats of 16 tokens into 2 labels"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("pp16 ")), text.out());
        assertFalse(text.out().contains("score: texts"), text.out());
    }

    @Test
    void sharedPrefixComputesThePrefixOncePerBatchWithTheCacheAndForEveryRequestWithout() throws Exception {
        CliRun r = CliRun.of("bench", "--model", MODEL, "--shared-prefix", "32", "-p", "8", "-n", "2", "--parallel",
                "3", "-r", "2", "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode prefix = new ObjectMapper().readTree(r.out()).get("shared_prefix");
        assertEquals(32, prefix.get("shared_tokens").asInt());
        assertNull(new ObjectMapper().readTree(r.out()).get("parallel"));
        JsonNode row = prefix.get("rows").get(0);
        assertEquals(3, row.get("requests").asInt());
        // with the cache: the first request computes its 40 positions, the other two copy the prefix and compute
        // at most their own 8 (less where their random tokens happen to start alike)
        JsonNode with = row.get("with_cache");
        double computed = with.get("prompt_tokens_computed").get("mean").asDouble();
        double copied = with.get("prompt_tokens_copied").get("mean").asDouble();
        assertTrue(computed <= 40 + 2 * 8, with.toString());
        assertTrue(copied >= 2 * 32, with.toString());
        assertEquals(3 * 40, computed + copied, with.toString());
        JsonNode without = row.get("without_cache");
        assertEquals(3 * 40, without.get("prompt_tokens_computed").get("mean").asDouble());
        assertEquals(0, without.get("prompt_tokens_copied").get("mean").asDouble());
        assertTrue(row.get("speedup").get("mean").asDouble() > 0, row.toString());

        CliRun text = CliRun.of("bench", "--model", MODEL, "--shared-prefix", "16", "-p", "4", "-n", "1",
                "--parallel", "2", "-r", "1", "--threads", "1");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("shared prefix: 16 shared tokens, 4 own, 1 generated"), text.out());
        CliRun withScore = CliRun.of("bench", "--model", MODEL, "--shared-prefix", "16", "--score");
        assertEquals(2, withScore.status());
        assertTrue(withScore.err().contains("--shared-prefix"), withScore.err());
    }

    @Test
    void scoringAloneTakesPromptsShorterThanAChat() throws Exception {
        // below the chat template's length: only a classification would need a chat, and none is run
        CliRun r = CliRun.of("bench", "--model", MODEL, "-p", "3", "--score", "--parallel", "2", "-r", "1",
                "--threads", "1", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode score = new ObjectMapper().readTree(r.out()).get("score");
        assertEquals(1, score.size());
        assertTrue(score.get(0).get("tokens_per_second").get("mean").asDouble() > 0, score.toString());
        assertNull(new ObjectMapper().readTree(r.out()).get("classify"));
    }

    @Test
    void maxSequencesIsTheLargestParallelCountUnlessSet() throws Exception {
        JsonNode byDefault = benchJson("--parallel", "1,3");
        assertEquals(3, byDefault.get("max_sequences").asInt());
        assertFalse(byDefault.get("automatic_max_sequences").asBoolean());
        JsonNode two = benchJson("--parallel", "1,3", "--max-sequences", "2");
        assertEquals(2, two.get("max_sequences").asInt());
        assertTrue(two.get("parallel").get(1).get("total_tokens_per_second").get("mean").asDouble() > 0);
        JsonNode automatic = benchJson("--parallel", "3", "--max-sequences", "0");
        assertTrue(automatic.get("automatic_max_sequences").asBoolean());
        assertTrue(automatic.get("max_sequences").asInt() >= 3, automatic.toString());
    }

    private static JsonNode benchJson(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("bench", "--model", MODEL, "-p", "4", "-n", "2", "-r", "1",
                "--threads", "1", "--json"));
        args.addAll(List.of(more));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void scoringOptionsAreChecked() {
        CliRun withN = CliRun.of("bench", "--model", MODEL, "--score", "-n", "4");
        assertEquals(2, withN.status());
        assertTrue(withN.err().contains("-n"), withN.err());
        CliRun noLabels = CliRun.of("bench", "--model", MODEL, "--classify", "0");
        assertEquals(2, noLabels.status());
        assertTrue(noLabels.err().contains("--classify"), noLabels.err());
        CliRun shortChat = CliRun.of("bench", "--model", MODEL, "--classify", "2", "-p", "2", "--threads", "1");
        assertEquals(2, shortChat.status());
        assertTrue(shortChat.err().contains("with --classify"), shortChat.err());
        CliRun negative = CliRun.of("bench", "--model", MODEL, "--max-sequences", "-1");
        assertEquals(2, negative.status());
        assertTrue(negative.err().contains("--max-sequences"), negative.err());
        CliRun audio = CliRun.of("bench", "--model", MODEL, "--audio", "--score");
        assertEquals(2, audio.status());
        assertTrue(audio.err().contains("--score"), audio.err());
    }

    @Test
    void generationCountsOnlyTheTokensAfterTheLastPromptWasIn() {
        long s = 1_000_000_000L;
        // sequence 0's prompt is in at 1 s and its second token comes at 1.5 s, while sequence 1 still prefills
        double[] rates = BenchCommand.rates(4, 3, 0, new long[] {s, 2 * s}, new long[] {s + s / 2, 5 * s / 2, 3 * s,
                7 * s / 2}, 4 * s);
        assertEquals(8 / 2.0, rates[0], 1e-9); // 2 x 4 prompt tokens in 2 s
        assertEquals(3 / 2.0, rates[1], 1e-9); // the 3 tokens of the last 2 s
        assertEquals(2 * 7 / 4.0, rates[2], 1e-9);
    }

    @Test
    void rejectsABadParallelList() {
        CliRun r = CliRun.of("bench", "--model", MODEL, "--parallel", "1,x");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--parallel"), r.err());
    }
}
