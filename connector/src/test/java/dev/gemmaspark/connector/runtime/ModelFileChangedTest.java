package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.TestSpark;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import dev.gemmaspark.connector.options.GemmaOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A model file truncated in place under a running context: the memory-mapped weights fault, and every query must
 * end with an error that names the file, never hang; once the file is replaced by rename, queries answer again.
 */
class ModelFileChangedTest {
    @TempDir
    Path tmp;

    private static final String OPTIONS = "'maxTokens', '%d', 'contextLength', '256'";

    private static List<String> answers(SparkSession spark, Path model, int maxTokens, int rows) {
        return spark.sql("SELECT gemma_generate(concat('Count to ', id), map('model', '" + model + "', "
                + OPTIONS.formatted(maxTokens) + ")) FROM range(0, " + rows + ", 1, 1)").collectAsList().stream()
                .map(r -> r.getString(0)).toList();
    }

    /** The executor's context the queries above run on (local mode: this JVM's). */
    private static SharedModel context(SparkSession spark, Path model) {
        Map<String, String> options = Map.of("model", model.toString(), "maxTokens", "200", "contextLength", "256");
        return ModelRegistry.acquire(ModelKey.of(GemmaOptions.fromConf(CollectionConverters.asJava(spark.conf().getAll()))
                .overriddenBy(GemmaOptions.fromMap(options, "test", Set.of())).settings()), new Configuration(false));
    }

    @Test
    void aModelRewrittenInPlaceFailsTheQueryNamingTheFileAndARenamedOneIsLoadedAgain() throws Exception {
        SparkSession spark = TestSpark.session();
        Path model = tmp.resolve("changing.gguf");
        Files.copy(TestSpark.MODEL, model);
        List<String> before = answers(spark, model, 4, 2);
        int loads = ModelRegistry.loadCount();
        SharedModel running = context(spark, model);

        CompletableFuture<List<String>> query = CompletableFuture.supplyAsync(() -> answers(spark, model, 200, 8));
        while (running.engine().liveRequests() == 0 && !query.isDone()) {
            Thread.sleep(1);
        }
        // cut the file under the running context: its per-layer embedding rows are read from the mapping
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
            ch.truncate(4096);
        }
        ExecutionException broken = assertThrows(ExecutionException.class, () -> query.get(120, TimeUnit.SECONDS));
        String message = String.valueOf(broken.getCause().getMessage());
        assertTrue(message.contains(model.toString()), message);
        assertTrue(message.contains("rename"), message);
        assertTrue(running.isBroken());
        assertEquals(0, running.engine().liveRequests());

        // the next query fails on the changed file, naming it
        Exception again = assertThrows(Exception.class, () -> answers(spark, model, 4, 2));
        assertTrue(String.valueOf(again.getMessage()).contains(model.toString()), again.getMessage());

        // replaced by rename, the file is loaded afresh and answers as before
        Path fresh = tmp.resolve("fresh.gguf");
        Files.copy(TestSpark.MODEL, fresh);
        Files.move(fresh, model, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertEquals(before, answers(spark, model, 4, 2));
        assertEquals(loads + 1, ModelRegistry.loadCount());
    }
}
