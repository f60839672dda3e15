package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.engine.ScoreResult;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/**
 * An Arrow batch in, the result vectors out, outside Spark, with the tiny golden model. Each test's allocator is
 * a RootAllocator, whose close() fails when a vector was left open.
 */
class InferenceTest {
    private static final Inference.RowNames NAMES = r -> "row " + r;

    private static GemmaSettings settings(Map<String, String> options) {
        Map<String, String> conf = new HashMap<>(Map.of("spark.gemma.model", TestSpark.MODEL.toString(),
                "spark.gemma.contextLength", "512", "spark.gemma.threads", "1", "spark.gemma.batchSize", "2"));
        options.forEach((k, v) -> conf.put("spark.gemma." + k, v));
        return GemmaOptions.fromConf(conf).settings();
    }

    private static SharedModel model(GemmaSettings settings) {
        return ModelRegistry.acquire(ModelKey.of(settings), new Configuration(false));
    }

    private static VarCharVector strings(String name, BufferAllocator allocator, String... values) {
        VarCharVector v = new VarCharVector(name, allocator);
        v.allocateNew(values.length);
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                v.setNull(i);
            } else {
                v.setSafe(i, values[i].getBytes(StandardCharsets.UTF_8));
            }
        }
        v.setValueCount(values.length);
        return v;
    }

    private static String string(VectorSchemaRoot results, ResultColumn column, int row) {
        Object v = results.getVector(column.column()).getObject(row);
        return v == null ? null : v.toString();
    }

    private static Object value(VectorSchemaRoot results, ResultColumn column, int row) {
        return results.getVector(column.column()).getObject(row);
    }

    @Test
    void plainVarCharColumnsInTheScoreRecordOutWithBadRowsAmongGoodOnes() {
        GemmaSettings settings = settings(Map.of());
        SharedModel model = model(settings);
        String[] texts = {"The quick brown fox", null, "  ", "Once upon a time"};
        String[] contexts = {null, "ignored", null, "In a land far away,"};
        try (RootAllocator allocator = new RootAllocator();
             Inference inference = new Inference(() -> model, GemmaTask.SCORE, settings, "test", allocator);
             VectorSchemaRoot input = new VectorSchemaRoot(List.of(strings("text", allocator, texts),
                     strings("context", allocator, contexts)))) {
            VectorSchemaRoot results = inference.run(input, NAMES);
            assertEquals(List.of("log_likelihood", "tokens", "perplexity", "error"),
                    results.getSchema().getFields().stream().map(f -> f.getName()).toList());
            assertEquals(4, results.getRowCount());
            assertEquals(1, inference.engineCalls(), "the two valid rows make one engine call of batchSize 2");
            for (int r : new int[] {0, 3}) {
                ScoreResult expected = model.submitScore(contexts[r], texts[r], false).join();
                assertEquals(expected.logLikelihood(), (Double) value(results, ResultColumn.LOG_LIKELIHOOD, r), 1e-6);
                assertEquals(expected.tokens(), value(results, ResultColumn.TOKENS, r));
                assertEquals(Math.exp(-expected.logLikelihood() / expected.tokens()),
                        (Double) value(results, ResultColumn.PERPLEXITY, r), 1e-6);
                assertNull(value(results, ResultColumn.ERROR, r));
            }
            assertEquals("input is null", string(results, ResultColumn.ERROR, 1));
            assertEquals("input is empty", string(results, ResultColumn.ERROR, 2));
            for (int r : new int[] {1, 2}) {
                assertNull(value(results, ResultColumn.LOG_LIKELIHOOD, r));
                assertNull(value(results, ResultColumn.TOKENS, r));
            }
        }
    }

    @Test
    void theResultVectorsAreReusedBatchAfterBatchAndLabelsAreAListColumn() {
        GemmaSettings settings = settings(Map.of());
        SharedModel model = model(settings);
        var schema = InputColumn.struct(InputColumn.of(GemmaTask.CLASSIFY));
        try (RootAllocator allocator = new RootAllocator();
             Inference inference = new Inference(() -> model, GemmaTask.CLASSIFY, settings, "test", allocator)) {
            ArrowWriter writer = Inference.writer(schema, allocator);
            try (VectorSchemaRoot input = writer.root()) {
                List<String> labels = List.of("sports", "cooking");
                for (int batch = 0; batch < 2; batch++) {
                    writer.reset();
                    writer.write(row("Whisk the eggs", labels.toArray(String[]::new)));
                    writer.write(row("The match went to penalties", "sports", null));
                    if (batch == 1) {
                        writer.write(row("A third row", "sports", "cooking"));
                    }
                    writer.finish();
                    VectorSchemaRoot results = inference.run(input, NAMES);
                    assertEquals(2 + batch, results.getRowCount());
                    String label = string(results, ResultColumn.TEXT, 0);
                    assertTrue(labels.contains(label), label);
                    assertEquals("stop", string(results, ResultColumn.FINISH_REASON, 0));
                    assertNull(value(results, ResultColumn.ERROR, 0));
                    assertEquals("label #2 is null or empty", string(results, ResultColumn.ERROR, 1));
                    assertEquals("error", string(results, ResultColumn.FINISH_REASON, 1));
                    assertNull(value(results, ResultColumn.TEXT, 1));
                }
            }
        }
    }

    private static GenericInternalRow row(String text, String... labels) {
        return new GenericInternalRow(new Object[] {UTF8String.fromString(text),
                new GenericArrayData(Arrays.stream(labels).map(UTF8String::fromString).toArray())});
    }

    @Test
    void rowsThatFailedBeforeTheEngineKeepTheirErrorAndNeedNoModel() {
        GemmaSettings settings = settings(Map.of());
        Supplier<SharedModel> noModel = () -> {
            throw new AssertionError("no row can run: the model is not needed");
        };
        try (RootAllocator allocator = new RootAllocator();
             Inference inference = new Inference(noModel, GemmaTask.GENERATE, settings, "test", allocator);
             VectorSchemaRoot input = new VectorSchemaRoot(List.of(strings("text", allocator, "Hi", null),
                     strings("error", allocator, "cannot read a.txt: gone", "cannot read b.txt: locked")))) {
            VectorSchemaRoot results = inference.run(input, NAMES);
            assertEquals("cannot read a.txt: gone", string(results, ResultColumn.ERROR, 0));
            assertEquals("cannot read b.txt: locked", string(results, ResultColumn.ERROR, 1));
            assertEquals(0, inference.engineCalls());
        }
    }

    @Test
    void failOnErrorFailsOnTheFirstBadRowNamingItAndItsInput() {
        GemmaSettings settings = settings(Map.of("failOnError", "true"));
        SharedModel model = model(settings);
        try (RootAllocator allocator = new RootAllocator();
             Inference inference = new Inference(() -> model, GemmaTask.GENERATE, settings, "gemma_generate",
                     allocator);
             VectorSchemaRoot input = new VectorSchemaRoot(List.of(strings("text", allocator, "Count to 3", "",
                     null)))) {
            var e = assertThrows(RowFailedException.class, () -> inference.run(input, NAMES));
            assertTrue(e.getMessage().startsWith("gemma_generate failed on row 1 (input ''): input is empty "
                    + "[failOnError is true"), e.getMessage());
            assertFalse(e.getMessage().contains("row 2"), e.getMessage());
        }
    }
}
