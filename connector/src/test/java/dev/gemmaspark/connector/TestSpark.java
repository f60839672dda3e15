package dev.gemmaspark.connector;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/**
 * The one local[2] Spark session of the test JVM (starting Spark costs seconds), with the Gemma extension
 * and plugin on and the tiny golden model as {@code spark.gemma.model}. Tests that change session
 * options set them back.
 */
public final class TestSpark {
    /** A 6-layer, 500-token Gemma 3n with random weights (Q4_0): its text is noise, but llama.cpp-exact. */
    public static final Path MODEL = Paths.get("../engine/src/test/resources/golden/models/gemma3n-tiny6q-tinyvocab-Q4_0.gguf")
            .toAbsolutePath().normalize();

    private static SparkSession session;

    private TestSpark() {}

    /** {@code options} with {@code more} over them, as a SQL map literal (keys sorted, for stable plans). */
    public static String mapSql(Map<String, String> options, Map<String, String> more) {
        Map<String, String> all = new TreeMap<>(options);
        all.putAll(more);
        return "map(" + all.entrySet().stream().map(e -> "'" + e.getKey() + "', '" + e.getValue() + "'")
                .collect(Collectors.joining(", ")) + ")";
    }

    public static synchronized SparkSession session() {
        if (session == null) {
            if (!Files.isRegularFile(MODEL)) {
                throw new IllegalStateException("golden model missing: " + MODEL);
            }
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("gemma-connector-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.sql.extensions", GemmaSparkExtensions.class.getName())
                    .config("spark.plugins", GemmaPlugin.class.getName())
                    .config("spark.gemma.model", MODEL.toString())
                    .config("spark.gemma.maxTokens", "6")
                    .config("spark.gemma.contextLength", "512")
                    .getOrCreate();
        }
        return session;
    }
}
