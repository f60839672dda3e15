package dev.gemmaspark.connector;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The DataFrame API gives the SQL functions' answers. */
class GemmaFunctionsTest {
    @Test
    void dataFrameCallsMatchTheEngine() {
        SparkSession spark = TestSpark.session();
        List<Row> rows = spark.sql("SELECT 'The quick brown fox' AS text, 'A sentence:' AS ctx")
                .select(GemmaFunctions.generate(col("text")),
                        GemmaFunctions.generate(col("text"), Map.of("maxTokens", "3")),
                        GemmaFunctions.summarize(col("text"), 5, Map.of()),
                        GemmaFunctions.classify(col("text"), List.of("forest", "fox")),
                        GemmaFunctions.score(col("text"), col("ctx")),
                        GemmaFunctions.generateResult(col("text"), Map.of()).getField("finish_reason"))
                .collectAsList();
        Row r = rows.getFirst();
        String text = "The quick brown fox";
        assertEquals(Reference.generate(text), r.getString(0));
        assertEquals(Reference.generate(text, 3), r.getString(1));
        assertEquals(Reference.summarize(text, 5), r.getString(2));
        assertEquals(Reference.classify(text, List.of("forest", "fox")), r.getString(3));
        assertEquals(Reference.score("A sentence:", text).logLikelihood(), r.getStruct(4).getDouble(0), 1e-9);
        assertEquals(Reference.generateResult(text).finishReason().label(), r.getString(5));
    }
}
