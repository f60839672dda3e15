package dev.gemmaspark.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Running an example job as its script does, and reading what it wrote, for the example tests. */
final class ExampleRun {
    /** An example's {@code main}. */
    interface Job {
        void run() throws Exception;
    }

    private ExampleRun() {
    }

    /** Runs {@code job} with {@code conf} as system properties (how Spark picks up its configuration), then clears them. */
    static void run(Map<String, String> conf, Job job) throws Exception {
        conf.forEach(System::setProperty);
        try {
            job.run();
        } finally {
            conf.keySet().forEach(System::clearProperty);
        }
    }

    /** The rows of the Parquet output at {@code output}, ordered by {@code path}. */
    static List<Row> rowsByPath(Path output) {
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            return spark.read().parquet(output.toString()).orderBy("path").collectAsList();
        } finally {
            spark.stop();
        }
    }

    /** The files in {@code dir} whose names end with {@code suffix}, sorted. */
    static List<Path> files(Path dir, String suffix) throws java.io.IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }
}
