package dev.gemmaspark.connector.runtime;

import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The fields of a result record, the columns {@link Inference} returns for a batch and the {@code _result}
 * functions and the gemma data source return: {@code text, prompt_tokens, output_tokens, finish_reason, error}
 * for generate, summarize and classify; {@code log_likelihood, tokens, perplexity, error} for score;
 * {@code text, audio_seconds, output_tokens, finish_reason, error} for transcribe.
 */
public enum ResultColumn {
    TEXT("text", DataTypes.StringType, RowResult::text),
    PROMPT_TOKENS("prompt_tokens", DataTypes.IntegerType, RowResult::promptTokens),
    OUTPUT_TOKENS("output_tokens", DataTypes.IntegerType, RowResult::outputTokens),
    FINISH_REASON("finish_reason", DataTypes.StringType, RowResult::finishReason),
    ERROR("error", DataTypes.StringType, RowResult::error),
    LOG_LIKELIHOOD("log_likelihood", DataTypes.DoubleType, RowResult::logLikelihood),
    TOKENS("tokens", DataTypes.IntegerType, RowResult::scoredTokens),
    PERPLEXITY("perplexity", DataTypes.DoubleType, RowResult::perplexity),
    AUDIO_SECONDS("audio_seconds", DataTypes.DoubleType, RowResult::audioSeconds);

    private final String column;
    private final DataType type;
    private final Function<RowResult, Object> value;

    ResultColumn(String column, DataType type, Function<RowResult, Object> value) {
        this.column = column;
        this.type = type;
        this.value = value;
    }

    public String column() {
        return column;
    }

    public DataType type() {
        return type;
    }

    /** This field of {@code r} as a Java value (String, Integer, Double), or null. */
    Object valueOf(RowResult r) {
        return value.apply(r);
    }

    /** The fields of the full record of {@code task}. */
    public static List<ResultColumn> record(GemmaTask task) {
        return switch (task) {
            case SCORE -> List.of(LOG_LIKELIHOOD, TOKENS, PERPLEXITY, ERROR);
            case TRANSCRIBE -> List.of(TEXT, AUDIO_SECONDS, OUTPUT_TOKENS, FINISH_REASON, ERROR);
            case GENERATE, SUMMARIZE, CLASSIFY, CAPTION ->
                    List.of(TEXT, PROMPT_TOKENS, OUTPUT_TOKENS, FINISH_REASON, ERROR);
        };
    }

    /** The fields of {@code gemma_score}'s plain result. */
    public static List<ResultColumn> score() {
        return List.of(LOG_LIKELIHOOD, TOKENS, PERPLEXITY);
    }

    public static StructType struct(List<ResultColumn> columns) {
        return new StructType(columns.stream().map(c -> new StructField(c.column, c.type, true, Metadata.empty()))
                .toArray(StructField[]::new));
    }
}
