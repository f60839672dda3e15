package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.engine.Golden;
import org.junit.jupiter.api.Test;

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
    void rejectsABadParallelList() {
        CliRun r = CliRun.of("bench", "--model", MODEL, "--parallel", "1,x");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--parallel"), r.err());
    }
}
