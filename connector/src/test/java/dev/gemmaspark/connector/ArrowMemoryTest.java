package dev.gemmaspark.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.util.ArrowUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Arrow vectors that carry rows to the engine and results back are freed when each task ends, whether the
 * task read all its rows, stopped at a limit, or failed: Spark's root allocator, whose children the tasks take
 * theirs from, holds nothing after a query. (A task whose allocator still holds vectors at its end fails.)
 */
class ArrowMemoryTest {
    private static SparkSession spark;

    @BeforeAll
    static void session() {
        spark = TestSpark.session();
    }

    private static void assertNothingAllocated() {
        BufferAllocator root = ArrowUtils.rootAllocator();
        assertEquals(0, root.getChildAllocators().size(), () -> root.toVerboseString());
        assertEquals(0L, root.getAllocatedMemory());
    }

    @Test
    void sqlCallsFreeTheirVectorsWhenTheTaskEndsAfterALimitOrAFailure() {
        assertEquals(3, spark.sql("SELECT gemma_generate(concat('Count to ', id), map('batchSize', '4')), "
                + "gemma_score_result(concat('Number ', id), 'Count:') FROM range(0, 10, 1, 2) LIMIT 3")
                .collectAsList().size());
        assertNothingAllocated();
        assertThrows(Exception.class, () -> spark.sql("SELECT gemma_summarize(IF(id = 3, '', 'Some text'), "
                + "map('failOnError', 'true', 'batchSize', '2')) FROM range(0, 6, 1, 1)").collect());
        assertNothingAllocated();
    }

    @Test
    void theDataSourceFreesItsVectorsWhenTheTaskEnds(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 5; i++) {
            Files.writeString(dir.resolve(i + ".txt"), "Text number " + i);
        }
        assertEquals(1, spark.read().format("gemma").option("task", "score").option("batchSize", "2")
                .load(dir.toString()).limit(1).collectAsList().size());
        assertNothingAllocated();
    }
}
