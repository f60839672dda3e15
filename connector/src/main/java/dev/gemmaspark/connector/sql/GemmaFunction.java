package dev.gemmaspark.connector.sql;

import dev.gemmaspark.connector.options.GemmaOption;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.runtime.InputColumn;
import dev.gemmaspark.connector.runtime.ModelFileCheck;
import dev.gemmaspark.connector.runtime.ResultColumn;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.catalog.functions.ScalarFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * One of the {@code gemma_*} SQL functions, as the marker a call resolves to (inside a {@link GemmaCall}). It refuses row-by-row evaluation: {@link ExtractGemmaCalls} moves every
 * call into a batched {@link GemmaEval}. It is nondeterministic so that the optimizer never duplicates
 * a call (each one costs a model run) nor moves filters across it.
 *
 * @param task        what the function asks of the model
 * @param fullResult  whether it returns the full record (the {@code _result} variant)
 * @param arguments   the engine's input columns its row arguments fill, in their order: the task's columns (text,
 *                    or the audio of transcribe or the image of caption; then generate's image, or max_words, labels
 *                    or context), an image as file bytes or as the struct of Spark's image source
 * @param callOptions the options map of the call, without prefix, in key order
 * @param settings    the merged, checked settings; null until the optimizer rule resolves the call
 * @param modelSource the option or configuration key that named the model file, for messages; null until resolved
 * @param audioSource the option or configuration key that names the audio weights, for messages; null until resolved
 */
public record GemmaFunction(GemmaTask task, boolean fullResult, List<InputColumn> arguments,
                            SortedMap<String, String> callOptions,
                            GemmaSettings settings, String modelSource, String audioSource)
        implements ScalarFunction<Object> {

    /** The SQL name, e.g. {@code gemma_summarize} or {@code gemma_summarize_result}. */
    public static String sqlName(GemmaTask task, boolean fullResult) {
        return "gemma_" + task.label() + (fullResult ? "_result" : "");
    }

    @Override
    public String name() {
        return sqlName(task, fullResult);
    }

    @Override
    public String canonicalName() {
        return name();
    }

    /** The vectors of a batch of the call's evaluated arguments. */
    StructType argumentStruct() {
        return InputColumn.struct(arguments);
    }

    @Override
    public DataType[] inputTypes() {
        return arguments.stream().map(InputColumn::type).toArray(DataType[]::new);
    }

    @Override
    public DataType resultType() {
        return resultType(task, fullResult);
    }

    /** What the function of {@code task} returns: a string, the score struct, or the full record. */
    public static DataType resultType(GemmaTask task, boolean fullResult) {
        return returnsStruct(task, fullResult) ? ResultColumn.struct(returnedColumns(task, fullResult))
                : DataTypes.StringType;
    }

    private static boolean returnsStruct(GemmaTask task, boolean fullResult) {
        return fullResult || task == GemmaTask.SCORE;
    }

    /** The columns of the task's result record that the function returns: all, the score's, or the text. */
    private static List<ResultColumn> returnedColumns(GemmaTask task, boolean fullResult) {
        if (fullResult) {
            return ResultColumn.record(task);
        }
        return task == GemmaTask.SCORE ? ResultColumn.score() : List.of(ResultColumn.TEXT);
    }

    List<ResultColumn> returnedColumns() {
        return returnedColumns(task, fullResult);
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }

    @Override
    public Object produceResult(InternalRow input) {
        throw new UnsupportedOperationException(name() + " cannot run row by row here: its calls are batched by the "
                + "dev.gemmaspark.connector.GemmaSparkExtensions optimizer rule, which handles calls in SELECT lists "
                + "and WHERE clauses. Enable it with spark.sql.extensions=dev.gemmaspark.connector.GemmaSparkExtensions,"
                + " and compute a call used inside an aggregate function or a join condition in a subquery first.");
    }

    /**
     * This function with its settings: the session's {@code spark.gemma.*} configuration overridden by the
     * call's options, checked on the driver. The model file is not opened here (an {@code EXPLAIN} would open it):
     * {@link GemmaEvalExec} checks it when the query runs, with {@link #checkModelFiles}.
     */
    GemmaFunction resolve(Map<String, String> sessionConf) {
        GemmaOptions options = GemmaOptions.fromConf(sessionConf)
                .overriddenBy(GemmaOptions.fromMap(callOptions, name(), Set.of()));
        return new GemmaFunction(task, fullResult, arguments, callOptions, options.settings(),
                options.source(GemmaOption.MODEL), options.source(GemmaOption.AUDIO_WEIGHTS));
    }

    /** What {@link #checkModelFiles} reads: calls with equal ones need one check. */
    record ModelFiles(String model, String modelSource, String audioWeights, String audioSource, boolean transcribes,
                      String mmproj) {}

    ModelFiles modelFiles() {
        return new ModelFiles(settings.model(), modelSource, settings.audioWeights(), audioSource, task.readsAudio(),
                settings.mmproj());
    }

    /**
     * Fails naming the file and the option when this resolved call's model file (or audio weights) is missing or
     * unusable, so that a bad path fails the query on the driver instead of failing every task.
     */
    void checkModelFiles(Configuration hadoopConf) {
        ModelFileCheck.check(settings, modelSource, audioSource, task.readsAudio(), hadoopConf);
    }

    /**
     * The value this function returns for row {@code r}, in Catalyst's representation, read from
     * {@code returned}, the vectors of its {@link #returnedColumns()}: null for a failed row unless it returns
     * the full record, which holds the error.
     */
    Object value(ColumnarBatch returned, boolean failed, int r) {
        if (failed && !fullResult) {
            return null;
        }
        return returnsStruct(task, fullResult) ? returned.getRow(r) : returned.column(0).getUTF8String(r);
    }
}
