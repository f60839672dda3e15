package dev.gemmaspark.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.Prompts;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Cancelling a job group while its rows are in the engine: the query fails as cancelled, the engine context is left
 * with nothing queued or running, and the next query on the same session answers exactly as a fresh engine does.
 * Spark kills tasks without interrupting their threads unless the job group asks for it; the connector polls the
 * task's kill flag ({@code TaskContext.isInterrupted()}), so both ways must stop the rows.
 */
class TaskKillTest {
    static final int ROWS = 40;
    /**
     * Rows of up to 2000 tokens run for a minute or more on local[2]: long enough that they are still running when
     * the test cancels them, and that rows nothing stopped would still be in the engine when the test checks.
     */
    static final int LONG_MAX_TOKENS = 2000;
    static final int CONTEXT_LENGTH = 2048;
    static final int SHORT_MAX_TOKENS = 8;

    @TempDir
    static Path tmp;
    private static SparkSession spark;
    /** A copy of the tiny model under a name no other test uses: the context it gets is this test's alone. */
    private static String model;
    private static ModelKey key;
    /** What a fresh engine answers to the rows with {@link #SHORT_MAX_TOKENS}. */
    private static List<String> expected;

    @BeforeAll
    static void privateModel() throws Exception {
        spark = TestSpark.session();
        Path copy = tmp.resolve("task-kill.gguf");
        Files.copy(TestSpark.MODEL, copy);
        model = copy.toString();
        key = ModelKey.of(GemmaOptions.fromConf(CollectionConverters.asJava(spark.conf().getAll()))
                .overriddenBy(GemmaOptions.fromMap(options(SHORT_MAX_TOKENS), "test", Set.of())).settings());
        try (GemmaModel fresh = GemmaModel.load(copy, EngineOptions.defaults().withThreads(2)
                .withContextLength(CONTEXT_LENGTH))) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int i = 0; i < ROWS; i++) {
                requests.add(GenerationRequest.chat(Prompts.conversation(null, prompt(i)),
                        SamplingParams.GREEDY.withMaxTokens(SHORT_MAX_TOKENS)));
            }
            expected = fresh.generateAll(requests).stream().map(GenerationResult::text).toList();
        }
    }

    private static String prompt(int i) {
        return "Count to " + i;
    }

    private static Map<String, String> options(int maxTokens) {
        return Map.of("model", model, "maxTokens", Integer.toString(maxTokens), "temperature", "0",
                "contextLength", Integer.toString(CONTEXT_LENGTH));
    }

    /** The rows, in two partitions: two tasks on local[2]. */
    private static String query(int maxTokens) {
        String map = options(maxTokens).entrySet().stream().map(e -> "'" + e.getKey() + "', '" + e.getValue() + "'")
                .collect(Collectors.joining(", ", "map(", ")"));
        return "SELECT id, gemma_generate(concat('Count to ', id), " + map + ") FROM range(0, " + ROWS + ", 1, 2)";
    }

    @ParameterizedTest(name = "interruptOnCancel={0}")
    @ValueSource(booleans = {false, true})
    void cancellingTheJobGroupStopsItsRowsInTheEngine(boolean interruptOnCancel) throws Exception {
        String group = "task-kill-" + interruptOnCancel;
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<List<Row>> running = runner.submit(() -> {
                spark.sparkContext().setJobGroup(group, "rows TaskKillTest cancels", interruptOnCancel);
                try {
                    return spark.sql(query(LONG_MAX_TOKENS)).collectAsList();
                } finally {
                    spark.sparkContext().clearJobGroup();
                }
            });
            GemmaModel engine = awaitRequestsRunning(running);
            spark.sparkContext().cancelJobGroup(group);
            ExecutionException e = assertThrows(ExecutionException.class, running::get, "the query was not cancelled");
            String messages = Errors.messages(e);
            assertTrue(messages.toLowerCase(Locale.ROOT).contains("cancelled"), messages);
            awaitNoRequests(engine);
        } finally {
            runner.shutdownNow();
        }
        List<String> answers = spark.sql(query(SHORT_MAX_TOKENS)).collectAsList().stream()
                .sorted(Comparator.comparingLong(r -> r.getLong(0))).map(r -> r.getString(1)).toList();
        assertEquals(expected, answers, "the next query on the session answers as a fresh engine does");
    }

    /** The query's engine context, once it has requests queued or running; fails if the query ends first. */
    private static GemmaModel awaitRequestsRunning(Future<List<Row>> running) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (running.isDone()) {
                fail("the query ended before the test saw its rows in the engine; make the rows longer");
            }
            GemmaModel engine = ModelRegistry.acquire(key, new Configuration(false)).engine();
            if (engine.liveRequests() > 0) {
                return engine;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no request reached the engine in two minutes");
    }

    /** Waits for the cancelled rows to leave the engine: a killed task must leave nothing running. */
    private static void awaitNoRequests(GemmaModel engine) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int live = engine.liveRequests();
        while (live > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            live = engine.liveRequests();
        }
        assertEquals(0, live, "requests still queued or running in the engine 10 s after the job was cancelled");
    }
}
