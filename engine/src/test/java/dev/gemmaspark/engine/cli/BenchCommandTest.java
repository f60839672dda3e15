package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.synth.ModelSynthesizer;
import dev.gemmaspark.engine.synth.Preset;
import java.nio.file.Path;
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
    void rejectsABadParallelList() {
        CliRun r = CliRun.of("bench", "--model", MODEL, "--parallel", "1,x");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--parallel"), r.err());
    }
}
