package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.engine.EngineOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
    @TempDir
    static Path tmp;

    /** A copy of the tiny model under a name no other test uses, so that its loads and contexts are this test's. */
    private static String privateModel(String name) throws IOException {
        Path copy = tmp.resolve(name + ".gguf");
        Files.copy(TestSpark.MODEL, copy);
        return copy.toString();
    }

    private static long schedulerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("gemma-scheduler")).count();
    }

    @Test
    void optionsThatShapeNoContextShareOneAndContextLengthsShareTheWeights() throws IOException {
        String model = privateModel("shared-weights");
        int loadsBefore = ModelRegistry.loadCount();
        EngineOptions base = EngineOptions.defaults().withThreads(1).withContextLength(128);
        SharedModel a = ModelRegistry.acquire(new ModelKey(model, null, base, null), new Configuration(false));
        SharedModel sameContext = ModelRegistry.acquire(new ModelKey(model, null, base.withThreads(2), "/elsewhere"),
                new Configuration(false));
        SharedModel otherLength = ModelRegistry.acquire(new ModelKey(model, null, base.withContextLength(256), null),
                new Configuration(false));
        assertSame(a, sameContext);
        assertNotSame(a, otherLength);
        assertSame(a.engine().weights(), otherLength.engine().weights());
        assertEquals(128, a.engine().contextLength());
        assertEquals(256, otherLength.engine().contextLength());
        assertEquals(loadsBefore + 1, ModelRegistry.loadCount());
    }

    @Test
    void idleContextsBeyondTheCapAreClosedWithTheirThreads() throws IOException {
        SparkSession spark = TestSpark.session();
        String model = privateModel("many-contexts");
        int loadsBefore = ModelRegistry.loadCount();
        long threadsBefore = schedulerThreads();
        int contextsBefore = ModelRegistry.openContexts();
        for (int length = 64; length < 64 + 6 * 16; length += 16) {
            Row row = spark.sql("SELECT gemma_generate('Hello', map('model', '" + model + "', 'contextLength', '"
                    + length + "', 'maxTokens', '2'))").collectAsList().getFirst();
            assertNotNull(row.getString(0));
        }
        // six option sets ran one after another: at most MAX_IDLE_CONTEXTS of them stay, on weights loaded once
        assertTrue(ModelRegistry.openContexts() <= contextsBefore + ModelRegistry.MAX_IDLE_CONTEXTS,
                ModelRegistry.openContexts() + " contexts open");
        assertTrue(schedulerThreads() <= threadsBefore + ModelRegistry.MAX_IDLE_CONTEXTS,
                schedulerThreads() + " scheduler threads");
        assertEquals(loadsBefore + 1, ModelRegistry.loadCount());
    }

    @Test
    void concurrentFirstUsersShareOneLoad() throws Exception {
        // a file no other test uses, so its weights are loaded here for the first time
        ModelKey key = new ModelKey(privateModel("concurrent"), null,
                EngineOptions.defaults().withThreads(1).withContextLength(192), null);
        int loadsBefore = ModelRegistry.loadCount();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<SharedModel>> users = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                users.add(pool.submit(() -> {
                    start.await();
                    return ModelRegistry.acquire(key, new Configuration(false));
                }));
            }
            start.countDown();
            SharedModel first = users.getFirst().get();
            for (Future<SharedModel> u : users) {
                assertSame(first, u.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(loadsBefore + 1, ModelRegistry.loadCount());
    }
}
