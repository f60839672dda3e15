package dev.gemmaspark.connector.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.Errors;
import dev.gemmaspark.connector.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.runtime.BoxedUnit;

/** The optimizer rule, on plans only: no test here runs the model. */
class ExtractGemmaCallsTest {
    private static SparkSession spark;

    @TempDir
    static Path tables;

    @BeforeAll
    static void table() {
        spark = TestSpark.session();
        String path = tables.resolve("plan_docs").toString();
        spark.range(4).selectExpr("id", "concat('prompt ', id) AS prompt", "'unused' AS unused")
                .write().parquet(path);
        spark.read().parquet(path).createOrReplaceTempView("plan_docs");
    }

    private static LogicalPlan optimized(String sql) {
        return spark.sql(sql).queryExecution().optimizedPlan();
    }

    private static List<LogicalPlan> nodes(LogicalPlan plan, Class<?> type) {
        List<LogicalPlan> found = new ArrayList<>();
        plan.foreach(p -> {
            if (type.isInstance(p)) {
                found.add(p);
            }
            return BoxedUnit.UNIT;
        });
        return found;
    }

    private static List<GemmaEval> gemmaNodes(LogicalPlan plan) {
        return nodes(plan, GemmaEval.class).stream().map(p -> (GemmaEval) p).toList();
    }

    /** True when a projection or filter of the plan still holds a gemma call. */
    private static boolean callLeftOutside(LogicalPlan plan) {
        List<LogicalPlan> ops = new ArrayList<>(nodes(plan, Project.class));
        ops.addAll(nodes(plan, Filter.class));
        return ops.stream().anyMatch(p -> Scala.<org.apache.spark.sql.catalyst.expressions.Expression>list(
                p.expressions()).stream().anyMatch(ExtractGemmaCalls::hasCall));
    }

    @Test
    void callInSelectBecomesAColumnOfOneGemmaEvalAndKeepsItsAttributeId() {
        Dataset<Row> df = spark.sql("SELECT id, gemma_generate(prompt) AS g FROM plan_docs");
        LogicalPlan plan = df.queryExecution().optimizedPlan();
        List<GemmaEval> evals = gemmaNodes(plan);
        assertEquals(1, evals.size());
        assertEquals(1, evals.getFirst().calls().size());
        assertFalse(callLeftOutside(plan));
        List<Attribute> analyzed = Scala.list(df.queryExecution().analyzed().output());
        List<Attribute> after = Scala.list(plan.output());
        assertEquals(analyzed.stream().map(Attribute::exprId).toList(), after.stream().map(Attribute::exprId).toList());
    }

    @Test
    void gemmaEvalReadsOnlyTheColumnsNeededAboveAndByTheCall() {
        GemmaEval eval = gemmaNodes(optimized("SELECT id, gemma_generate(prompt) AS g FROM plan_docs")).getFirst();
        Set<String> columns = Scala.<Attribute>list(eval.child().output()).stream().map(Attribute::name)
                .collect(Collectors.toSet());
        assertEquals(Set.of("id", "prompt"), columns);
    }

    @Test
    void whereFilterRunsBeforeTheModel() {
        GemmaEval eval = gemmaNodes(optimized("SELECT id, gemma_generate(prompt) AS g FROM plan_docs WHERE id > 1"))
                .getFirst();
        assertEquals(1, nodes(eval.child(), Filter.class).size(), eval.toString());
    }

    @Test
    void identicalCallsAreComputedOnce() {
        LogicalPlan plan = optimized("SELECT gemma_generate(prompt) AS a, upper(gemma_generate(prompt)) AS b FROM plan_docs");
        List<GemmaEval> evals = gemmaNodes(plan);
        assertEquals(1, evals.size());
        assertEquals(1, evals.getFirst().calls().size());
    }

    @Test
    void differentCallsShareOneNode() {
        LogicalPlan plan = optimized("SELECT gemma_generate(prompt) AS a, gemma_summarize(prompt, 5) AS b, "
                + "gemma_generate(prompt, map('maxTokens', '3')) AS c FROM plan_docs");
        List<GemmaEval> evals = gemmaNodes(plan);
        assertEquals(1, evals.size());
        assertEquals(3, evals.getFirst().calls().size());
    }

    @Test
    void nestedCallsGiveOneNodePerLevel() {
        LogicalPlan plan = optimized("SELECT gemma_generate(gemma_summarize(prompt)) AS g FROM plan_docs");
        assertEquals(2, gemmaNodes(plan).size());
        assertFalse(callLeftOutside(plan));
    }

    @Test
    void callInWhereRunsBelowTheFilter() {
        LogicalPlan plan = optimized("SELECT id FROM plan_docs WHERE gemma_classify(prompt, array('a', 'b')) = 'a'");
        Filter filter = (Filter) nodes(plan, Filter.class).getFirst();
        assertTrue(filter.child() instanceof GemmaEval, filter.child().getClass().getName());
        assertFalse(callLeftOutside(plan));
    }

    @Test
    void inlineTableIsNotEvaluatedOnTheDriver() {
        LogicalPlan plan = optimized("SELECT gemma_generate(p) AS g FROM VALUES ('a'), ('b') AS t(p)");
        assertEquals(1, gemmaNodes(plan).size());
    }

    @Test
    void ruleIsIdempotent() {
        LogicalPlan plan = optimized("SELECT id, upper(gemma_generate(gemma_summarize(prompt))) AS g FROM plan_docs "
                + "WHERE gemma_score(prompt).tokens > 1");
        LogicalPlan again = new ExtractGemmaCalls(spark).apply(plan);
        assertTrue(again.fastEquals(plan), () -> "second application changed\n" + plan + "\ninto\n" + again);
    }

    @Test
    void badOptionValueFailsNamingTheOption() {
        var e = assertThrows(Exception.class,
                () -> optimized("SELECT gemma_generate(prompt, map('maxTokens', '-1')) FROM plan_docs"));
        assertTrue(Errors.messages(e).contains("option 'maxTokens' of gemma_generate must be an integer >= 0, got '-1'"),
                Errors.messages(e));
    }

    @Test
    void unknownOptionFailsAtAnalysis() {
        var e = assertThrows(Exception.class,
                () -> spark.sql("SELECT gemma_generate(prompt, map('maxToken', '5')) FROM plan_docs"));
        assertTrue(Errors.messages(e).contains("unknown option 'maxToken' of gemma_generate"), Errors.messages(e));
    }

    @Test
    void badSessionOptionFailsNamingTheConfKey() {
        spark.conf().set("spark.gemma.temperature", "hot");
        try {
            var e = assertThrows(Exception.class, () -> optimized("SELECT gemma_generate(prompt) FROM plan_docs"));
            assertTrue(Errors.messages(e).contains("spark.gemma.temperature must be a number >= 0.0, got 'hot'"),
                    Errors.messages(e));
        } finally {
            spark.conf().unset("spark.gemma.temperature");
        }
    }

    @Test
    void wrongArgumentCountFailsWithTheUsage() {
        var e = assertThrows(Exception.class, () -> spark.sql("SELECT gemma_classify(prompt) FROM plan_docs"));
        assertTrue(Errors.messages(e).contains("gemma_classify takes 2 arguments before its options map, got 1"),
                Errors.messages(e));
    }

    @Test
    void callForAnAggregateRunsInASubquery() {
        var e = assertThrows(Exception.class, () -> spark.sql("SELECT max(gemma_generate(prompt)) FROM plan_docs"));
        assertTrue(Errors.messages(e).contains("AGGREGATE_FUNCTION_WITH_NONDETERMINISTIC_EXPRESSION"), Errors.messages(e));
        LogicalPlan plan = optimized("SELECT max(g) FROM (SELECT gemma_generate(prompt) AS g FROM plan_docs)");
        assertEquals(1, gemmaNodes(plan).size());
    }

    @Test
    void unaliasedCallIsNamedLikeTheFunction() {
        Dataset<Row> df = spark.sql("SELECT gemma_generate(prompt), gemma_summarize(prompt, 5, map('maxTokens', '3')) "
                + "FROM plan_docs");
        assertEquals(List.of("gemma_generate(prompt)", "gemma_summarize(prompt, 5, map(maxTokens, 3))"),
                List.of(df.columns()));
    }
}
