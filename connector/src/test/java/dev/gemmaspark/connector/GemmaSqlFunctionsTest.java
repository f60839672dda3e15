package dev.gemmaspark.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.SharedModel;
import dev.gemmaspark.connector.sql.GemmaEvalExec;
import dev.gemmaspark.connector.sql.GemmaEvalExecTest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.ScoreResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/** Every SQL function on local[2], each answer checked against the engine's own output for the same input. */
class GemmaSqlFunctionsTest {
    static final List<String> PROMPTS = List.of("The quick brown fox", "Once upon a time", "Hi",
            "A village near the forest.");
    static final List<String> LABELS = List.of("forest", "fox");

    private static SparkSession spark;

    @BeforeAll
    static void tables() {
        spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            rows.add(RowFactory.create(i, PROMPTS.get(i)));
        }
        spark.createDataFrame(rows, schema).repartition(2).createOrReplaceTempView("docs");
    }

    private static Map<Integer, Row> byId(Dataset<Row> df) {
        Map<Integer, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            out.put(r.getInt(0), r);
        }
        return out;
    }

    @Test
    void generateEqualsTheEnginesGreedyOutput() {
        Map<Integer, Row> rows = byId(spark.sql("SELECT id, gemma_generate(prompt) FROM docs"));
        assertEquals(PROMPTS.size(), rows.size());
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertEquals(Reference.generate(PROMPTS.get(i)), rows.get(i).getString(1), PROMPTS.get(i));
        }
    }

    @Test
    void expressionsAroundACallWork() {
        Map<Integer, Row> rows = byId(spark.sql(
                "SELECT id, upper(gemma_generate(prompt)), length(gemma_generate(prompt, map('maxTokens', '3'))) FROM docs"));
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertEquals(Reference.generate(PROMPTS.get(i)).toUpperCase(Locale.ROOT), rows.get(i).getString(1));
            assertEquals(Reference.generate(PROMPTS.get(i), 3).length(), rows.get(i).getInt(2));
        }
    }

    @Test
    void everyFunctionInOneSelect() {
        Map<Integer, Row> rows = byId(spark.sql("SELECT id, gemma_summarize(prompt), gemma_summarize(prompt, 5), "
                + "gemma_classify(prompt, array('forest', 'fox')), gemma_score(prompt), "
                + "gemma_score(prompt, 'A sentence:') FROM docs"));
        for (int i = 0; i < PROMPTS.size(); i++) {
            String p = PROMPTS.get(i);
            Row r = rows.get(i);
            assertEquals(Reference.summarize(p, null), r.getString(1), p);
            assertEquals(Reference.summarize(p, 5), r.getString(2), p);
            assertEquals(Reference.classify(p, LABELS), r.getString(3), p);
            assertScore(Reference.score(null, p), r.getStruct(4));
            assertScore(Reference.score("A sentence:", p), r.getStruct(5));
        }
    }

    private static void assertScore(ScoreResult expected, Row actual) {
        assertEquals(expected.logLikelihood(), actual.getDouble(0), 1e-9);
        assertEquals(expected.tokens(), actual.getInt(1));
        assertEquals(expected.perplexity(), actual.getDouble(2), 1e-9);
    }

    @Test
    void resultVariantsReturnTheFullRecord() {
        Row r = spark.sql("SELECT gemma_generate_result(prompt), gemma_classify_result(prompt, array('forest', 'fox')), "
                + "gemma_score_result(prompt) FROM docs WHERE id = 0").first();
        Row gen = r.getStruct(0);
        GenerationResult expected = Reference.generateResult(PROMPTS.get(0));
        assertEquals(expected.text(), gen.getString(0));
        assertEquals(expected.promptTokenCount(), gen.getInt(1));
        assertEquals(expected.outputTokenCount(), gen.getInt(2));
        assertEquals(expected.finishReason().label(), gen.getString(3));
        assertNull(gen.get(4));
        Row cls = r.getStruct(1);
        assertEquals(Reference.classify(PROMPTS.get(0), List.of("forest", "fox")), cls.getString(0));
        assertNull(cls.get(4));
        Row score = r.getStruct(2);
        assertEquals(Reference.score(null, PROMPTS.get(0)).logLikelihood(), score.getDouble(0), 1e-9);
        assertNull(score.get(3));
    }

    @Test
    void filterOnACallKeepsTheMatchingRows() {
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            if (Reference.classify(PROMPTS.get(i), LABELS).equals("forest")) {
                expected.add(i);
            }
        }
        List<Integer> ids = spark.sql("SELECT id FROM docs WHERE gemma_classify(prompt, array('forest', 'fox'))"
                + " = 'forest' ORDER BY id").collectAsList().stream().map(r -> r.getInt(0)).toList();
        assertEquals(expected, ids);
    }

    @Test
    void rowsReachTheEngineInBatchesOfBatchSize() {
        SharedModel model = ModelRegistry.acquire(ModelKey.of(GemmaOptions.fromConf(
                CollectionConverters.asJava(spark.conf().getAll())).settings()), new org.apache.hadoop.conf.Configuration());
        Map<Integer, Long> before = model.stats().countBySize();
        Dataset<Row> df = spark.sql("SELECT id, gemma_generate(concat('Count to ', id), map('batchSize', '4')) "
                + "FROM range(0, 10, 1, 1)");
        assertEquals(10, df.collectAsList().size());
        Map<Integer, Long> after = model.stats().countBySize();
        assertEquals(2L, after.getOrDefault(4, 0L) - before.getOrDefault(4, 0L), "batches of 4: " + after);
        assertEquals(1L, after.getOrDefault(2, 0L) - before.getOrDefault(2, 0L), "batches of 2: " + after);

        GemmaEvalExec exec = gemmaExec(df.queryExecution().executedPlan());
        assertEquals(10L, exec.metrics().apply("numOutputRows").value());
        assertEquals(3L, exec.metrics().apply("engineCalls").value());
        assertTrue(exec.metrics().apply("generatedTokens").value() > 0);
        assertTrue(exec.metrics().apply("promptTokens").value() > 10);
    }

    static GemmaEvalExec gemmaExec(SparkPlan plan) {
        return GemmaEvalExecTest.gemmaExec(plan);
    }

    @Test
    void badRowsGetANullResultAndAnErrorWhileTheOthersGoOn() {
        String tooLong = "word ".repeat(700);
        spark.createDataFrame(List.of(RowFactory.create(0, "Hi"), RowFactory.create(1, (Object) null),
                        RowFactory.create(2, ""), RowFactory.create(3, tooLong), RowFactory.create(4, "Once upon a time")),
                new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType))
                .createOrReplaceTempView("bad_docs");
        Map<Integer, Row> rows = byId(spark.sql("SELECT id, gemma_generate(prompt), gemma_generate_result(prompt).error "
                + "FROM bad_docs"));
        assertEquals(Reference.generate("Hi"), rows.get(0).getString(1));
        assertEquals(Reference.generate("Once upon a time"), rows.get(4).getString(1));
        for (int bad : List.of(1, 2, 3)) {
            assertNull(rows.get(bad).get(1), "row " + bad);
            assertNotNull(rows.get(bad).getString(2), "row " + bad);
        }
        assertEquals("input is null", rows.get(1).getString(2));
        assertEquals("input is empty", rows.get(2).getString(2));
        assertTrue(rows.get(3).getString(2).contains("512"), rows.get(3).getString(2));
    }

    @Test
    void failOnErrorFailsTheTaskNamingTheRow() {
        var e = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_generate(IF(id = 0, 'Hi', NULL), "
                + "map('failOnError', 'true')) FROM range(0, 2, 1, 1)").collect());
        String messages = Errors.messages(e);
        assertTrue(messages.contains("gemma_generate failed on row 1 of partition 0 (input null): input is null"), messages);
    }

    @Test
    void sampledRowsAreTheSameOnEveryRunAndPartitioning() {
        String sql = "SELECT id, gemma_generate(prompt, map('temperature', '0.9', 'seed', '7')) FROM %s";
        spark.table("docs").coalesce(1).createOrReplaceTempView("docs_one_partition");
        Map<Integer, Row> first = byId(spark.sql(String.format(sql, "docs")));
        Map<Integer, Row> second = byId(spark.sql(String.format(sql, "docs_one_partition")));
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertEquals(first.get(i).getString(1), second.get(i).getString(1), PROMPTS.get(i));
        }
    }
}
