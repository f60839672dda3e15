package dev.gemmaspark.examples;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The command line of an example job ({@code --model M [--audio-weights W] [--mmproj P] --input I --output O}) and
 * its Spark session: the Gemma extension and plugin on, {@code local[*]} when spark-submit gave no master, the
 * model from {@code --model}, else {@code GEMMA_MODEL}, else {@code spark.gemma.model}, the audio weights from
 * {@code --audio-weights}, else {@code GEMMA_AUDIO_WEIGHTS}, else {@code spark.gemma.audioWeights} (if set), and the
 * vision projector from {@code --mmproj}, else {@code GEMMA_MMPROJ}, else {@code spark.gemma.mmproj} (if set).
 */
record ExampleArgs(String input, String output, SparkSession spark) {

    static ExampleArgs parse(String app, String[] args, String defaultInput, String defaultOutput) {
        Map<String, String> named = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("usage: " + app + " [--model GGUF] [--audio-weights PATH] "
                        + "[--mmproj GGUF] [--input PATH] [--output PATH]");
            }
            named.put(args[i].substring(2), args[++i]);
        }
        SparkConf conf = new SparkConf();
        SparkSession.Builder builder = SparkSession.builder().appName(app)
                .config("spark.sql.extensions", "dev.gemmaspark.connector.GemmaSparkExtensions")
                .config("spark.plugins", "dev.gemmaspark.connector.GemmaPlugin");
        if (!conf.contains("spark.master")) {
            builder.master("local[*]");
        }
        String model = named.getOrDefault("model", System.getenv("GEMMA_MODEL"));
        if (model != null && !model.isBlank()) {
            builder.config("spark.gemma.model", model);
        } else if (!conf.contains("spark.gemma.model")) {
            throw new IllegalArgumentException(app + " needs a model: --model, GEMMA_MODEL or spark.gemma.model");
        }
        String audioWeights = named.getOrDefault("audio-weights", System.getenv("GEMMA_AUDIO_WEIGHTS"));
        if (audioWeights != null && !audioWeights.isBlank()) {
            builder.config("spark.gemma.audioWeights", audioWeights);
        }
        String mmproj = named.getOrDefault("mmproj", System.getenv("GEMMA_MMPROJ"));
        if (mmproj != null && !mmproj.isBlank()) {
            builder.config("spark.gemma.mmproj", mmproj);
        }
        return new ExampleArgs(named.getOrDefault("input", defaultInput), named.getOrDefault("output", defaultOutput),
                builder.getOrCreate());
    }
}
