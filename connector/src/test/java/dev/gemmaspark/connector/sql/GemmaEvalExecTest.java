package dev.gemmaspark.connector.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.Errors;
import dev.gemmaspark.connector.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.runtime.BoxedUnit;

/** The physical operator on local[2] with the tiny golden model: when it checks the model file, and its metrics. */
public class GemmaEvalExecTest {
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
    }

    /** The one {@link GemmaEvalExec} of an executed plan (the final plan of an adaptive one). */
    public static GemmaEvalExec gemmaExec(SparkPlan plan) {
        List<GemmaEvalExec> found = new ArrayList<>();
        SparkPlan root = plan instanceof AdaptiveSparkPlanExec a ? a.finalPhysicalPlan() : plan;
        root.foreach(p -> {
            if (p instanceof GemmaEvalExec g) {
                found.add(g);
            }
            return BoxedUnit.UNIT;
        });
        assertEquals(1, found.size(), root.toString());
        return found.getFirst();
    }

    private static long metric(Dataset<Row> executed, String name) {
        return gemmaExec(executed.queryExecution().executedPlan()).metrics().apply(name).value();
    }

    /** Counts the tasks that start while it is registered. */
    private static final class TaskCounter extends SparkListener implements AutoCloseable {
        final AtomicInteger started = new AtomicInteger();

        TaskCounter() {
            spark.sparkContext().addSparkListener(this);
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart taskStart) {
            started.incrementAndGet();
        }

        /** The tasks started so far, once the listener bus has delivered every event posted before. */
        int started() throws TimeoutException {
            spark.sparkContext().listenerBus().waitUntilEmpty();
            return started.get();
        }

        @Override
        public void close() {
            spark.sparkContext().removeSparkListener(this);
        }
    }

    /** EXPLAIN succeeds (opening the file would fail it), running fails on the driver: no task starts. */
    private static String explainThenRunOnTheDriver(String sql) throws TimeoutException {
        String plan = spark.sql("EXPLAIN " + sql).first().getString(0);
        assertTrue(plan.contains("GemmaEval"), plan);
        try (TaskCounter tasks = new TaskCounter()) {
            var e = assertThrows(Exception.class, () -> spark.sql(sql).collect());
            assertEquals(0, tasks.started(), Errors.messages(e));
            return Errors.messages(e);
        }
    }

    @Test
    void explainOpensNoModelFileWhileRunningFailsOnTheDriverNamingTheOption() throws Exception {
        String messages = explainThenRunOnTheDriver(
                "SELECT gemma_generate(concat('Count to ', id), map('model', '/nonexistent/m.gguf')) FROM range(3)");
        assertTrue(messages.contains("model file /nonexistent/m.gguf (option 'model' of gemma_generate) does not exist"),
                messages);
    }

    @Test
    void corruptModelFileFailsOnTheDriverNamingItButNotExplain(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("truncated.gguf");
        Files.write(bad, Arrays.copyOf(Files.readAllBytes(TestSpark.MODEL), 4096));
        String messages = explainThenRunOnTheDriver(
                "SELECT gemma_generate(concat('Count to ', id), map('model', '" + bad + "')) FROM range(3)");
        assertTrue(messages.contains("model file " + bad + " (option 'model' of gemma_generate) is not a usable "
                + "Gemma 3n GGUF file"), messages);
    }

    @Test
    void metricsCountRowsInAndOutRowsWithErrorsEngineCallsAndTokens() {
        Dataset<Row> df = spark.sql("SELECT id, gemma_generate_result(p, map('batchSize', '4')) AS g, "
                + "gemma_summarize_result(p, map('batchSize', '4')) AS s "
                + "FROM (SELECT id, IF(id = 2, NULL, concat('Count to ', id)) AS p FROM range(0, 6, 1, 1))");
        List<Row> rows = df.collectAsList();
        assertEquals(6, rows.size());
        long promptTokens = 0;
        long outputTokens = 0;
        for (Row r : rows) {
            for (Row result : List.of(r.getStruct(1), r.getStruct(2))) {
                promptTokens += result.isNullAt(1) ? 0 : result.getInt(1);
                outputTokens += result.isNullAt(2) ? 0 : result.getInt(2);
            }
        }
        assertEquals(6L, metric(df, "numInputRows"));
        assertEquals(6L, metric(df, "numOutputRows"));
        assertEquals(1L, metric(df, "errorRows"), "row 2 failed in both calls: one row with errors");
        assertEquals(4L, metric(df, "engineCalls"), "a batch of 4 rows (3 valid) and one of 2, for each call");
        assertEquals(promptTokens, metric(df, "promptTokens"));
        assertEquals(outputTokens, metric(df, "generatedTokens"));
        GemmaEvalExec exec = gemmaExec(df.queryExecution().executedPlan());
        assertEquals("nsTiming", exec.metrics().apply("modelLoadTime").metricType());
        assertEquals("nsTiming", exec.metrics().apply("engineTime").metricType());
        assertEquals("MapPartitionsWithEvaluatorRDD", exec.execute().getClass().getSimpleName());
    }

    @Test
    void aLimitReadsOneBatchButOutputsOneRow() {
        Dataset<Row> df = spark.sql("SELECT gemma_generate(concat('Count to ', id), map('batchSize', '4')) "
                + "FROM range(0, 10, 1, 1) LIMIT 1");
        assertEquals(1, df.collectAsList().size());
        assertEquals(4L, metric(df, "numInputRows"));
        assertEquals(1L, metric(df, "numOutputRows"));
        assertEquals(1L, metric(df, "engineCalls"));
        assertEquals(0L, metric(df, "errorRows"));
    }

    @Test
    void rowsSharingASystemPromptComputeItOnceAndTheMetricCountsTheCopies() {
        // a system prompt no other test uses, long enough for several 16-token blocks of the prefix cache
        String system = "You are a careful archivist of the northern valley. ".repeat(6);
        Dataset<Row> df = spark.sql("SELECT gemma_generate_result(concat('Count to ', id), map('batchSize', '8', "
                + "'maxTokens', '2', 'systemPrompt', '" + system + "')) FROM range(0, 8, 1, 1)");
        long promptTokens = 0;
        for (Row r : df.collectAsList()) {
            promptTokens += r.getStruct(0).getInt(1);
        }
        long cached = metric(df, "cachedPromptTokens");
        // the first row computes the shared head (BOS, the turn marker, the system prompt); the seven others copy
        // its whole blocks, and every row computes at least its own last token
        assertTrue(cached >= 7 * 16, cached + " cached of " + promptTokens);
        assertTrue(cached <= promptTokens - 8, cached + " cached of " + promptTokens);
    }
}
