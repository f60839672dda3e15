package dev.gemmaspark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Spark-against-engine benchmark runs both paths on the tiny golden model and reports them; no figure is judged. */
class GenerateBenchmarkTest {
    private static final Path MODEL = Paths.get("../engine/src/test/resources/golden/models/gemma3n-tiny6q-tinyvocab-Q4_0.gguf")
            .toAbsolutePath().normalize();

    @Test
    void bothPathsGenerateTheSameTextAndAreReported() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        GenerateBenchmark.Report report = GenerateBenchmark.run(MODEL.toString(), 6, 20, 3, 1, "local[2]",
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertEquals(List.of("spark", "engine"), report.runs().stream().map(GenerateBenchmark.Run::path).toList());
        for (GenerateBenchmark.Run run : report.runs()) {
            assertEquals(6, run.rows());
            assertTrue(run.tokens() > 0 && run.tokens() <= 6 * 3, run.toString());
            assertTrue(run.seconds() > 0, run.toString());
        }
        assertEquals(report.runs().get(0).tokens(), report.runs().get(1).tokens());
        assertEquals(6, report.identical());
        assertTrue(report.promptTokens() >= 20, "prompt tokens " + report.promptTokens());
        String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("same text from both paths: 6 of 6 rows"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("spark / engine: rows/s ")), text);
    }
}
