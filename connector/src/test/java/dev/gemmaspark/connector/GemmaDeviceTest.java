package dev.gemmaspark.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.SharedModel;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.opencl.OpenCL;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code device=opencl}: the SQL functions run the text decoder on the OpenCL device (PoCL on a machine without a
 * GPU) and answer as the engine does on that device, called directly. Skipped without an OpenCL device, unless
 * {@code gemma.opencl.required} is set (CI sets it): then it fails.
 */
class GemmaDeviceTest {
    private static SparkSession spark;

    @BeforeAll
    static void openClAndTable() {
        String problem = OpenCL.unavailable();
        if (problem != null && Boolean.getBoolean("gemma.opencl.required")) {
            fail("gemma.opencl.required is set but OpenCL is not usable: " + problem);
        }
        assumeTrue(problem == null, "no OpenCL device");
        spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < GemmaSqlFunctionsTest.PROMPTS.size(); i++) {
            rows.add(RowFactory.create(i, GemmaSqlFunctionsTest.PROMPTS.get(i)));
        }
        spark.createDataFrame(rows, schema).repartition(2).createOrReplaceTempView("device_docs");
    }

    @Test
    void generateOnOpenClEqualsTheEngineOnTheSameDevice() {
        GemmaOptions device = GemmaOptions.fromConf(CollectionConverters.asJava(spark.conf().getAll()))
                .overriddenBy(GemmaOptions.fromMap(Map.of("device", "opencl"), "the test", Set.of()));
        // the registry's context, which it closes (at the latest when the executor stops): not ours to close
        SharedModel context = ModelRegistry.acquire(ModelKey.of(device.settings()),
                new org.apache.hadoop.conf.Configuration());
        assertEquals("opencl", context.engine().options().device());
        long batches = batches(context);
        List<Row> rows = spark.sql("SELECT id, gemma_generate(prompt, map('device', 'opencl')) FROM device_docs"
                + " ORDER BY id").collectAsList();
        // the rows went through this context, the one on the OpenCL device
        assertTrue(batches(context) > batches, "no batch reached the OpenCL context");
        try (GemmaModel engine = GemmaModel.load(TestSpark.MODEL, EngineOptions.defaults().withThreads(2)
                .withContextLength(512).withDevice("opencl"))) {
            for (Row row : rows) {
                String prompt = GemmaSqlFunctionsTest.PROMPTS.get(row.getInt(0));
                String expected = engine.generate(GenerationRequest.chat(prompt,
                        SamplingParams.GREEDY.withMaxTokens(Reference.MAX_TOKENS))).text();
                assertEquals(expected, row.getString(1), prompt);
            }
        }
        assertEquals(GemmaSqlFunctionsTest.PROMPTS.size(), rows.size());
    }

    private static long batches(SharedModel context) {
        return context.stats().countBySize().values().stream().mapToLong(Long::longValue).sum();
    }

    @Test
    void aBadDeviceIsRefusedOnTheDriverAndAMissingOneFailsTheTaskNamingIt() {
        Exception bad = assertThrows(Exception.class, () -> spark.sql(
                "SELECT gemma_generate(prompt, map('device', 'cuda')) FROM device_docs").collect());
        assertTrue(Errors.messages(bad).contains("option 'device' of gemma_generate must be cpu, opencl or opencl:N, got"
                + " 'cuda'"), Errors.messages(bad));
        Exception missing = assertThrows(Exception.class, () -> spark.sql(
                "SELECT gemma_generate(prompt, map('device', 'opencl:999')) FROM device_docs").collect());
        assertTrue(Errors.messages(missing).contains("device=opencl:999: there are"), Errors.messages(missing));
    }
}
