package dev.gemmaspark.connector.source;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code spark.read.format("gemma")}: columns {@code path, text, prompt_tokens, output_tokens, finish_reason, error}
 * for tasks generate, summarize, classify and caption (image files), {@code path, log_likelihood, tokens, perplexity,
 * error} for score, {@code path, text, audio_seconds, output_tokens, finish_reason, error} for transcribe (audio
 * files). Registered by name through {@code META-INF/services}.
 */
public final class GemmaDataSource implements TableProvider, DataSourceRegister {

    @Override
    public String shortName() {
        return "gemma";
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        return parse(options).outputSchema();
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        return new GemmaFileTable(parse(properties));
    }

    private static SourceOptions parse(Map<String, String> options) {
        Map<String, String> conf = CollectionConverters.asJava(SparkSession.active().conf().getAll());
        return SourceOptions.parse(options, conf);
    }
}
