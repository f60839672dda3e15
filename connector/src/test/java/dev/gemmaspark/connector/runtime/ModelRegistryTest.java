package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.gemmaspark.connector.TestSpark;
import dev.gemmaspark.engine.EngineOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
    @Test
    void concurrentFirstUsersShareOneLoad() throws Exception {
        // options no other test uses, so this key is loaded here for the first time
        ModelKey key = new ModelKey(TestSpark.MODEL.toString(), null,
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
