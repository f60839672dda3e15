package dev.gemmaspark.connector.sql;

import dev.gemmaspark.connector.options.GemmaOption;
import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.runtime.ModelFileCheck;
import dev.gemmaspark.connector.runtime.RowResult;
import dev.gemmaspark.connector.runtime.TaskInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.connector.catalog.functions.ScalarFunction;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * One of the {@code gemma_*} SQL functions, as the marker a call resolves to (inside a {@link GemmaCall}). It refuses row-by-row evaluation: {@link ExtractGemmaCalls} moves every
 * call into a batched {@link GemmaEval}. It is nondeterministic so that the optimizer never duplicates
 * a call (each one costs a model run) nor moves filters across it.
 *
 * @param task        what the function asks of the model
 * @param fullResult  whether it returns the full record (the {@code _result} variant)
 * @param dataArgs    how many row arguments it takes (the second one: max_words, labels or context); the
 *                    first is text, or the bytes of an audio file for transcribe
 * @param callOptions the options map of the call, without prefix, in key order
 * @param settings    the merged, checked settings; null until the optimizer rule resolves the call
 * @param modelSource the option or configuration key that named the model file, for messages; null until resolved
 * @param audioSource the option or configuration key that names the audio weights, for messages; null until resolved
 */
public record GemmaFunction(GemmaTask task, boolean fullResult, int dataArgs, SortedMap<String, String> callOptions,
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

    @Override
    public DataType[] inputTypes() {
        DataType second = switch (task) {
            case GENERATE -> null;
            case SUMMARIZE -> DataTypes.IntegerType;
            case CLASSIFY -> DataTypes.createArrayType(DataTypes.StringType, true);
            case SCORE -> DataTypes.StringType;
            case TRANSCRIBE -> null;
        };
        DataType first = task.readsAudio() ? DataTypes.BinaryType : DataTypes.StringType;
        return dataArgs == 1 ? new DataType[] {first} : new DataType[] {first, second};
    }

    @Override
    public DataType resultType() {
        return resultType(task, fullResult);
    }

    /** What the function of {@code task} returns: a string, the score struct, or the full record. */
    public static DataType resultType(GemmaTask task, boolean fullResult) {
        if (fullResult) {
            return ResultColumn.struct(ResultColumn.record(task));
        }
        return task == GemmaTask.SCORE ? ResultColumn.struct(ResultColumn.score()) : DataTypes.StringType;
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
        return new GemmaFunction(task, fullResult, dataArgs, callOptions, options.settings(),
                options.source(GemmaOption.MODEL), options.source(GemmaOption.AUDIO_WEIGHTS));
    }

    /** What {@link #checkModelFiles} reads: calls with equal ones need one check. */
    record ModelFiles(String model, String modelSource, String audioWeights, String audioSource, boolean transcribes) {}

    ModelFiles modelFiles() {
        return new ModelFiles(settings.model(), modelSource, settings.audioWeights(), audioSource, task.readsAudio());
    }

    /**
     * Fails naming the file and the option when this resolved call's model file (or audio weights) is missing or
     * unusable, so that a bad path fails the query on the driver instead of failing every task.
     */
    void checkModelFiles(Configuration hadoopConf) {
        ModelFileCheck.check(settings, modelSource, audioSource, task.readsAudio(), hadoopConf);
    }

    /** The task input of a row from the evaluated arguments of this call; {@code row} names it in messages. */
    TaskInput input(InternalRow args, String row) {
        if (task.readsAudio()) {
            return TaskInput.audio(args.isNullAt(0) ? null : args.getBinary(0), row);
        }
        String text = args.isNullAt(0) ? null : args.getUTF8String(0).toString();
        if (dataArgs == 1) {
            return TaskInput.of(text);
        }
        boolean secondNull = args.isNullAt(1);
        return switch (task) {
            case GENERATE, TRANSCRIBE -> TaskInput.of(text);
            case SUMMARIZE -> TaskInput.of(text, secondNull ? null : args.getInt(1), null, null);
            case CLASSIFY -> TaskInput.of(text, null, secondNull ? null : strings(args.getArray(1)), null);
            case SCORE -> TaskInput.of(text, null, null, secondNull ? null : args.getUTF8String(1).toString());
        };
    }

    private static List<String> strings(ArrayData array) {
        List<String> out = new ArrayList<>(array.numElements());
        for (int i = 0; i < array.numElements(); i++) {
            out.add(array.isNullAt(i) ? null : array.getUTF8String(i).toString());
        }
        return out;
    }

    /** The value this function returns for {@code r}, in Catalyst's representation. */
    Object toCatalyst(RowResult r) {
        if (fullResult) {
            return record(ResultColumn.record(task), r);
        }
        if (r.isError()) {
            return null;
        }
        return task == GemmaTask.SCORE ? record(ResultColumn.score(), r) : UTF8String.fromString(r.text());
    }

    private static InternalRow record(List<ResultColumn> columns, RowResult r) {
        Object[] values = new Object[columns.size()];
        for (int i = 0; i < values.length; i++) {
            Object v = columns.get(i).valueOf(r);
            values[i] = v instanceof String s ? UTF8String.fromString(s) : v;
        }
        return new GenericInternalRow(values);
    }
}
