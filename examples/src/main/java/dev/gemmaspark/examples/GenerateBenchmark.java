package dev.gemmaspark.examples;

import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.Prompts;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark against the engine alone, in one JVM: {@code gemma_generate_result} over {@code --rows} prompts on
 * {@code local[2]}, and the same prompts through {@link GemmaModel#generateAll}, greedy, alternately for {@code
 * --rounds} rounds after an untimed warm-up of both. The engine side runs on the very context the Spark tasks use
 * (the executor's {@link ModelRegistry} entry for the session's options), so the two differ only by what Spark
 * and the connector add: planning, tasks, rows in and out, and how the rows reach the scheduler. Greedy outputs
 * are batch-invariant, so both paths generate the same tokens; the report checks that they do.
 *
 * <p>{@code GenerateBenchmark --model M.gguf [--rows 64] [--prompt-tokens 128] [--max-tokens 32] [--rounds 2]
 * [--master local[2]]}; other {@code spark.gemma.*} options as {@code -Dspark.gemma.maxSequences=16} and the like.
 */
public final class GenerateBenchmark {
    /** Common English words: with Gemma's vocabulary mostly one token each, and a prompt of them reads as text. */
    private static final String[] WORDS = ("the of and to in is was for on that with as by at from his her it an "
            + "be this which or are had not but were one all their they has been have new more first also after "
            + "who would two its other into some only time when there about over year city between school world "
            + "during three most people used many state later may where part such both under these than then "
            + "known made well century called including while since name river team war history").split(" ");

    /** One timed run of one path: seconds, rows, generated tokens, and the load average before and after. */
    record Run(String path, int round, double seconds, int rows, long tokens, double loadBefore, double loadAfter) {
        double rowsPerSecond() {
            return rows / seconds;
        }

        double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /**
     * What was measured: the runs in order, the mean prompt tokens, the engine context's sequences and threads,
     * and how many rows got the same text from both paths in the last round.
     */
    record Report(List<Run> runs, double promptTokens, int sequences, int threads, int identical, int rows) {
        double mean(String path, boolean tokens) {
            return runs.stream().filter(r -> r.path().equals(path))
                    .mapToDouble(r -> tokens ? r.tokensPerSecond() : r.rowsPerSecond()).average().orElse(Double.NaN);
        }
    }

    private GenerateBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> named = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("usage: GenerateBenchmark --model GGUF [--rows 64] [--prompt-tokens"
                        + " 128] [--max-tokens 32] [--rounds 2] [--master local[2]]");
            }
            named.put(args[i].substring(2), args[++i]);
        }
        String model = named.getOrDefault("model", System.getenv("GEMMA_MODEL"));
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("GenerateBenchmark needs a model: --model or GEMMA_MODEL");
        }
        run(model, positive(named, "rows", 64), positive(named, "prompt-tokens", 128), positive(named, "max-tokens", 32),
                positive(named, "rounds", 2), named.getOrDefault("master", "local[2]"), System.out);
    }

    private static int positive(Map<String, String> named, String name, int fallback) {
        String text = named.get(name);
        try {
            int v = text == null ? fallback : Integer.parseInt(text.strip());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the option's name
        }
        throw new IllegalArgumentException("--" + name + " must be an integer >= 1, got '" + text + "'");
    }

    /** Measures, prints the report to {@code out} and returns it. */
    static Report run(String model, int rows, int promptTokens, int maxTokens, int rounds, String master,
                      PrintStream out) throws IOException {
        SparkSession spark = SparkSession.builder().appName("GenerateBenchmark").master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.extensions", "dev.gemmaspark.connector.GemmaSparkExtensions")
                .config("spark.plugins", "dev.gemmaspark.connector.GemmaPlugin")
                .config("spark.gemma.model", model)
                .config("spark.gemma.maxTokens", Integer.toString(maxTokens))
                .config("spark.gemma.temperature", "0")
                .getOrCreate();
        try {
            // the session's configuration, as the connector reads it for each call
            GemmaSettings settings = GemmaOptions.fromConf(CollectionConverters.asJava(spark.conf().getAll()))
                    .settings();
            // outside a task nothing holds the context; the tasks of the Spark runs find and use this same one
            GemmaModel engine = ModelRegistry.acquire(ModelKey.of(settings), spark.sparkContext().hadoopConfiguration())
                    .engine();
            List<String> prompts = prompts(engine, settings, rows, promptTokens, new SplittableRandom(42));
            List<GenerationRequest> requests = prompts.stream().map(p -> request(p, settings)).toList();
            double meanPromptTokens = requests.stream().mapToInt(r -> engine.promptTokens(r).length).average()
                    .orElse(0);
            Dataset<Row> table = spark.createDataFrame(rowsOf(prompts), new StructType()
                    .add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType));
            table.createOrReplaceTempView("prompts");

            // untimed: Spark's planning and code generation, and every row once with one output token, so that
            // the KV caches the runs use are allocated (and the kernels compiled) before any run is timed
            viaSpark(spark, "prompts WHERE id < " + Math.min(4, rows));
            viaEngine(engine, requests.stream().map(GenerateBenchmark::oneToken).toList());

            List<Run> runs = new ArrayList<>();
            List<String> sparkTexts = List.of();
            List<String> engineTexts = List.of();
            for (int round = 1; round <= rounds; round++) {
                // alternately first and second, so that a drift of the machine's speed weighs on both alike
                for (String path : round % 2 == 1 ? List.of("spark", "engine") : List.of("engine", "spark")) {
                    double load = loadAverage();
                    long start = System.nanoTime();
                    List<Object[]> results = path.equals("spark") ? viaSpark(spark, "prompts")
                            : viaEngine(engine, requests);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    long tokens = results.stream().mapToLong(r -> (Integer) r[1]).sum();
                    runs.add(new Run(path, round, seconds, rows, tokens, load, loadAverage()));
                    List<String> texts = results.stream().map(r -> (String) r[0]).toList();
                    if (path.equals("spark")) {
                        sparkTexts = texts;
                    } else {
                        engineTexts = texts;
                    }
                }
            }
            int identical = 0;
            for (int i = 0; i < rows; i++) {
                if (sparkTexts.get(i) != null && sparkTexts.get(i).equals(engineTexts.get(i))) {
                    identical++;
                }
            }
            Report report = new Report(runs, meanPromptTokens, engine.maxSequences(), engine.options().threads(),
                    identical, rows);
            print(out, report, master, maxTokens);
            return report;
        } finally {
            spark.stop();
        }
    }

    /** Prompts of random common words, each grown until its request's prompt has {@code tokens} tokens. */
    private static List<String> prompts(GemmaModel engine, GemmaSettings settings, int rows, int tokens,
                                        SplittableRandom random) {
        List<String> prompts = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            StringBuilder text = new StringBuilder(WORDS[random.nextInt(WORDS.length)]);
            while (engine.promptTokens(request(text.toString(), settings)).length < tokens) {
                text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
            }
            prompts.add(text.toString());
        }
        return prompts;
    }

    private static List<Row> rowsOf(List<String> prompts) {
        List<Row> rows = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(RowFactory.create(i, prompts.get(i)));
        }
        return rows;
    }

    /** The request {@code gemma_generate} makes of a row with these settings at temperature 0. */
    private static GenerationRequest request(String prompt, GemmaSettings settings) {
        return GenerationRequest.chat(Prompts.conversation(settings.systemPrompt(), prompt),
                settings.sampling(settings.seed())).withParseSpecial(settings.parseSpecial())
                .withTruncate(settings.truncate());
    }

    /**
     * Text and output tokens per row, in id order (put in order here: an ORDER BY would add a shuffle to the
     * job); a row's error fails the benchmark.
     */
    private static List<Object[]> viaSpark(SparkSession spark, String from) {
        List<Row> rows = spark.sql("SELECT id, gemma_generate_result(prompt) AS r FROM " + from).collectAsList();
        Object[][] out = new Object[rows.size()][];
        for (Row row : rows) {
            Row r = row.getStruct(1);
            String error = r.getAs("error");
            if (error != null) {
                throw new IllegalStateException("row " + row.getInt(0) + " failed in Spark: " + error);
            }
            out[row.getInt(0)] = new Object[] {r.getAs("text"), ((Number) r.getAs("output_tokens")).intValue()};
        }
        return List.of(out);
    }

    private static GenerationRequest oneToken(GenerationRequest r) {
        return new GenerationRequest(r.messages(), r.rawText(), r.tokens(), r.params().withMaxTokens(1),
                r.parseSpecial(), r.truncate());
    }

    private static List<Object[]> viaEngine(GemmaModel engine, List<GenerationRequest> requests) {
        List<GenerationResult> results = engine.generateAll(requests);
        List<Object[]> out = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            GenerationResult r = results.get(i);
            if (r.error() != null) {
                throw new IllegalStateException("row " + i + " failed in the engine: " + r.error());
            }
            out.add(new Object[] {r.text(), r.outputTokenCount()});
        }
        return out;
    }

    /** The one-minute load average, or NaN where /proc does not tell. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static void print(PrintStream out, Report r, String master, int maxTokens) {
        out.printf(Locale.ROOT, "%d rows, prompts of %.1f tokens (mean, chat template included), maxTokens %d, "
                + "temperature 0, %s; engine context: %d sequences, %d threads%n", r.rows(), r.promptTokens(),
                maxTokens, master, r.sequences(), r.threads());
        out.printf(Locale.ROOT, "%-6s %-7s %10s %10s %10s %14s %14s%n", "round", "path", "seconds", "rows/s",
                "tokens/s", "output tokens", "load average");
        for (Run run : r.runs()) {
            out.printf(Locale.ROOT, "%-6d %-7s %10.2f %10.3f %10.2f %14d %6.2f->%-6.2f%n", run.round(), run.path(),
                    run.seconds(), run.rowsPerSecond(), run.tokensPerSecond(), run.tokens(), run.loadBefore(),
                    run.loadAfter());
        }
        double sparkRows = r.mean("spark", false);
        double engineRows = r.mean("engine", false);
        double sparkTokens = r.mean("spark", true);
        double engineTokens = r.mean("engine", true);
        out.printf(Locale.ROOT, "mean   spark  %10s %10.3f %10.2f%n", "", sparkRows, sparkTokens);
        out.printf(Locale.ROOT, "mean   engine %10s %10.3f %10.2f%n", "", engineRows, engineTokens);
        out.printf(Locale.ROOT, "spark / engine: rows/s %.3f, tokens/s %.3f; same text from both paths: %d of %d rows%n",
                sparkRows / engineRows, sparkTokens / engineTokens, r.identical(), r.rows());
    }
}
