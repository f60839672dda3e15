package dev.gemmaspark.connector.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gemmaspark.connector.Reference;
import dev.gemmaspark.connector.TestSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GemmaTransformerTest {
    @Test
    void savedAndLoadedTransformerGivesTheSameAnswers(@TempDir Path dir) throws Exception {
        SparkSession spark = TestSpark.session();
        Dataset<Row> docs = spark.sql("SELECT * FROM VALUES ('The quick brown fox'), ('Hi') AS t(body)");
        GemmaTransformer summarizer = new GemmaTransformer().setInputCol("body").setOutputCol("summary")
                .setTask("summarize").setMaxWords(5).setOption("maxTokens", "4");
        String path = dir.resolve("summarizer").toString();
        summarizer.save(path);
        GemmaTransformer loaded = GemmaTransformer.load(path);
        assertEquals(summarizer.uid(), loaded.uid());
        assertEquals(Map.of("maxTokens", "4"), loaded.getOrDefault(loaded.options()));
        assertEquals("summarize", loaded.getOrDefault(loaded.task()));

        for (Row r : loaded.transform(docs).collectAsList()) {
            String body = r.getString(0);
            assertEquals(Reference.generate(dev.gemmaspark.connector.runtime.Prompts.summarize(body, 5), 4), r.getString(1));
        }
    }

    @Test
    void classifierSchemaAndAnswers() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> docs = spark.sql("SELECT * FROM VALUES ('The quick brown fox') AS t(body)");
        GemmaTransformer classifier = new GemmaTransformer().setInputCol("body").setOutputCol("label")
                .setTask("classify").setLabels(List.of("forest", "fox"));
        assertEquals(DataTypes.StringType, classifier.transformSchema(docs.schema()).apply("label").dataType());
        assertEquals(Reference.classify("The quick brown fox", List.of("forest", "fox")),
                classifier.transform(docs).first().getString(1));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new GemmaTransformer().setInputCol("text").setOutputCol("o").transformSchema(docs.schema()));
        assertEquals(true, e.getMessage().contains("inputCol 'text'"), e.getMessage());
    }
}
