package dev.gemmaspark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.connector.runtime.Prompts;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The summarize example end to end on local[*] with the tiny golden model, answers checked against the engine. */
class SummarizeDocumentsTest {
    private static final Path MODEL = Paths.get("../engine/src/test/resources/golden/models/gemma3n-tiny6q-tinyvocab-Q4_0.gguf")
            .toAbsolutePath().normalize();
    private static final Path DOCS = Paths.get("data/docs.jsonl").toAbsolutePath();

    @Test
    void writesOneGreedySummaryPerEnglishDocument(@TempDir Path out) throws Exception {
        System.setProperty("spark.gemma.maxTokens", "5");
        System.setProperty("spark.gemma.contextLength", "512");
        System.setProperty("spark.ui.enabled", "false");
        Path output = out.resolve("summaries");
        SummarizeDocuments.main(new String[] {"--model", MODEL.toString(), "--input", DOCS.toString(),
                "--output", output.toString()});

        Map<Long, String> english = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(DOCS)) {
            JsonNode doc = json.readTree(line);
            if (doc.get("lang").asText().equals("en")) {
                english.put(doc.get("id").asLong(), doc.get("body").asText());
            }
        }
        SparkSession spark = SparkSession.builder().master("local[1]").getOrCreate();
        List<Row> rows = spark.read().parquet(output.toString()).collectAsList();
        spark.stop();
        assertEquals(english.size(), rows.size());
        try (GemmaModel model = GemmaModel.load(MODEL, EngineOptions.defaults().withThreads(2).withContextLength(512))) {
            // every row answered; a few of them (the engine is slow to prefill on 2 cores) checked token for token
            rows.forEach(r -> assertNull(r.get(4), "error of document " + r.getLong(0)));
            for (Row r : rows.stream().filter(r -> r.getLong(0) % 6 == 1).toList()) {
                String body = english.get(r.getLong(0));
                String expected = model.generate(GenerationRequest.chat(Prompts.conversation(null, Prompts.summarize(body, 30)),
                        SamplingParams.GREEDY.withMaxTokens(5))).text();
                assertEquals(expected, r.getString(1), body);
            }
        }
    }
}
