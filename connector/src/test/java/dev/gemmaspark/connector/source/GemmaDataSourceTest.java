package dev.gemmaspark.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.Errors;
import dev.gemmaspark.connector.Reference;
import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.engine.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.runtime.BoxedUnit;

/** {@code spark.read.format("gemma")} over a folder of text files, answers checked against the engine. */
class GemmaDataSourceTest {
    static final Map<String, String> FILES = Map.of(
            "a.txt", "The quick brown fox",
            "b.txt", "Once upon a time, there was a little girl who lived in a village near the forest.",
            "c.txt", "Hi",
            "d.txt", "What is the capital of France?");

    @TempDir
    static Path dir;
    private static SparkSession spark;

    @BeforeAll
    static void files() throws Exception {
        spark = TestSpark.session();
        for (var e : FILES.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        Files.writeString(dir.resolve("empty.txt"), "");
        Files.writeString(dir.resolve("_SUCCESS"), "hidden");
    }

    /** file name -> row */
    private static Map<String, Row> byFile(Dataset<Row> df) {
        Map<String, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            String path = r.getString(0);
            out.put(path.substring(path.lastIndexOf('/') + 1), r);
        }
        return out;
    }

    @Test
    void summarizeReadsEveryFileAsOneRow() {
        Dataset<Row> df = spark.read().format("gemma").option("task", "summarize").load(dir + "/*.txt");
        assertEquals(List.of("path", "text", "prompt_tokens", "output_tokens", "finish_reason", "error"),
                List.of(df.columns()));
        Map<String, Row> rows = byFile(df);
        assertEquals(FILES.size() + 1, rows.size());
        FILES.forEach((name, text) -> {
            assertEquals(Reference.summarize(text, null), rows.get(name).getString(1), name);
            assertNull(rows.get(name).get(5));
        });
        assertNull(rows.get("empty.txt").get(1));
        assertEquals("input is empty", rows.get("empty.txt").getString(5));
    }

    @Test
    void readerReturnsColumnarBatches() {
        Dataset<Row> df = spark.read().format("gemma").option("task", "summarize").load(dir.toString());
        df.collectAsList();
        List<BatchScanExec> scans = new java.util.ArrayList<>();
        var plan = df.queryExecution().executedPlan();
        var root = plan instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec a ? a.finalPhysicalPlan() : plan;
        root.foreach(p -> {
            if (p instanceof BatchScanExec s) {
                scans.add(s);
            }
            return BoxedUnit.UNIT;
        });
        assertEquals(1, scans.size(), root.toString());
        assertTrue(scans.getFirst().supportsColumnar());
        assertEquals(2, scans.getFirst().inputRDD().getNumPartitions(), "5 files over local[2]");
    }

    @Test
    void generateFillsThePromptTemplate() {
        Map<String, Row> rows = byFile(spark.read().format("gemma").option("task", "generate")
                .option("prompt", "Title for: {content}").option("maxTokens", "4").load(dir + "/a.txt", dir + "/c.txt"));
        assertEquals(2, rows.size());
        assertEquals(Reference.generate("Title for: " + FILES.get("a.txt"), 4), rows.get("a.txt").getString(1));
        assertEquals(Reference.generate("Title for: " + FILES.get("c.txt"), 4), rows.get("c.txt").getString(1));
    }

    @Test
    void classifyAndScore() {
        Map<String, Row> classified = byFile(spark.read().format("gemma").option("task", "classify")
                .option("labels", "forest, fox").load(dir + "/[ac].txt"));
        Map<String, Row> scored = byFile(spark.read().format("gemma").option("task", "score")
                .option("context", "Text:").load(dir + "/[ac].txt"));
        assertEquals(List.of("path", "log_likelihood", "tokens", "perplexity", "error"),
                List.of(spark.read().format("gemma").option("task", "score").load(dir.toString()).columns()));
        assertEquals(2, classified.size());
        assertEquals(2, scored.size());
        classified.keySet().forEach(name -> {
            String text = FILES.get(name);
            assertEquals(Reference.classify(text, List.of("forest", "fox")), classified.get(name).getString(1), name);
            ScoreResult s = Reference.score("Text:", text);
            assertEquals(s.logLikelihood(), scored.get(name).getDouble(1), 1e-9, name);
            assertEquals(s.tokens(), scored.get(name).getInt(2), name);
        });
    }

    @Test
    void badOptionsFailNamingTheOption() {
        var noTask = assertThrows(Exception.class, () -> spark.read().format("gemma").load(dir.toString()));
        assertTrue(Errors.messages(noTask).contains("option 'task' of the gemma data source is required"),
                Errors.messages(noTask));
        var badTask = assertThrows(Exception.class,
                () -> spark.read().format("gemma").option("task", "translate").load(dir.toString()));
        assertTrue(Errors.messages(badTask).contains("option 'task' of the gemma data source must be one of "
                + "[generate, summarize, classify, score, transcribe, caption], got 'translate'"),
                Errors.messages(badTask));
        var badValue = assertThrows(Exception.class, () -> spark.read().format("gemma").option("task", "summarize")
                .option("batchSize", "0").load(dir.toString()));
        assertTrue(Errors.messages(badValue).contains("option 'batchSize' of the gemma data source must be an integer >= 1"),
                Errors.messages(badValue));
        var shortContext = assertThrows(Exception.class, () -> spark.read().format("gemma").option("task", "summarize")
                .option("contextLength", "1").load(dir.toString()));
        assertTrue(Errors.messages(shortContext).contains("option 'contextLength' of the gemma data source must be 0 "
                + "(the model's own) or an integer >= 2, got '1'"), Errors.messages(shortContext));
        var longContext = assertThrows(Exception.class, () -> spark.read().format("gemma").option("task", "summarize")
                .option("contextLength", "4096").load(dir.toString()).collect());
        assertTrue(Errors.messages(longContext).contains("option 'contextLength' of the gemma data source is 4096, more "
                + "than the training context of model file " + TestSpark.MODEL + " (spark.gemma.model): 2048 tokens"),
                Errors.messages(longContext));
        var noFiles = assertThrows(Exception.class, () -> spark.read().format("gemma").option("task", "summarize")
                .load(dir + "/*.pdf").collect());
        assertTrue(Errors.messages(noFiles).contains("matches no file"), Errors.messages(noFiles));
    }

    @Test
    void hiddenFoldersAreSkippedAndABrokenLinkIsAnErrorRow(@TempDir Path folder) throws Exception {
        Files.writeString(folder.resolve("a.txt"), FILES.get("a.txt"));
        for (String hidden : List.of("_temporary/0/part-0000.txt", ".git/HEAD", ".hidden/x.txt")) {
            Files.createDirectories(folder.resolve(hidden).getParent());
            Files.writeString(folder.resolve(hidden), "not a document");
        }
        Files.createSymbolicLink(folder.resolve("b.txt"), folder.resolve("moved-away.txt"));
        Map<String, Row> rows = byFile(spark.read().format("gemma").option("task", "summarize").load(folder.toString()));
        assertEquals(List.of("a.txt", "b.txt"), rows.keySet().stream().sorted().toList());
        assertEquals(Reference.summarize(FILES.get("a.txt"), null), rows.get("a.txt").getString(1));
        assertEquals("cannot read file:" + folder + "/b.txt: a dangling symbolic link (to " + folder + "/moved-away.txt)",
                rows.get("b.txt").getString(5));
    }

    @Test
    void failOnErrorNamesTheFile() {
        var e = assertThrows(Exception.class, () -> spark.read().format("gemma").option("task", "summarize")
                .option("failOnError", "true").load(dir.toString()).collect());
        assertTrue(Errors.messages(e).contains("failed on file " + dir.toUri().toString().replace("file:///", "file:/")
                + "empty.txt: input is empty"), Errors.messages(e));
    }
}
