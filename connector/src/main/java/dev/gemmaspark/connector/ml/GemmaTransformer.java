package dev.gemmaspark.connector.ml;

import java.io.Serial;
import dev.gemmaspark.connector.GemmaFunctions;
import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.sql.GemmaFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML stage that adds the result of a gemma task over {@code inputCol} as {@code outputCol}, batched
 * like the SQL functions (the session needs the Gemma extension). Params: {@code inputCol}, {@code outputCol},
 * {@code task} (generate, summarize, classify, score; transcribe over a binary column of audio file bytes;
 * caption over a column of images: file bytes or the struct of Spark's image source), {@code imageCol} (generate:
 * the image of each prompt), {@code labels} (classify), {@code maxWords} (summarize, caption), {@code fullResult}
 * (the {@code _result} record instead of the plain value), and {@code options}, the gemma options without the
 * {@code spark.gemma.} prefix. Saved and loaded with ML
 * persistence ({@code save(path)}, {@link #load(String)}).
 */
public final class GemmaTransformer extends Transformer implements DefaultParamsWritable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> task;
    private final Param<String> imageCol;
    private final StringArrayParam labels;
    private final IntParam maxWords;
    private final BooleanParam fullResult;
    private final StringMapParam options;

    public GemmaTransformer() {
        this(Identifiable$.MODULE$.randomUID("gemma"));
    }

    /** The constructor ML persistence calls with the saved uid. */
    public GemmaTransformer(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "the input column: text, or audio file bytes for transcribe");
        outputCol = new Param<>(this, "outputCol", "the output column");
        task = new Param<>(this, "task", "generate, summarize, classify, score, transcribe or caption");
        imageCol = new Param<>(this, "imageCol", "the image column of task generate: image file bytes or the struct"
                + " of Spark's image source");
        labels = new StringArrayParam(this, "labels", "the labels of task classify");
        maxWords = new IntParam(this, "maxWords", "the word limit of task summarize or caption (0: none)");
        fullResult = new BooleanParam(this, "fullResult", "return the full result record");
        options = new StringMapParam(this, "options", "gemma options without the spark.gemma. prefix");
        setDefault(task, "generate");
        setDefault(maxWords, 0);
        setDefault(fullResult, false);
        setDefault(options, Map.of());
        setDefault(labels, new String[0]);
    }

    public static MLReader<GemmaTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static GemmaTransformer load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> task() {
        return task;
    }

    public Param<String> imageCol() {
        return imageCol;
    }

    public StringArrayParam labels() {
        return labels;
    }

    public IntParam maxWords() {
        return maxWords;
    }

    public BooleanParam fullResult() {
        return fullResult;
    }

    public StringMapParam options() {
        return options;
    }

    public GemmaTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    public GemmaTransformer setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public GemmaTransformer setTask(String value) {
        GemmaTask.parse(value, "param task of " + uid);
        set(task, value);
        return this;
    }

    public GemmaTransformer setImageCol(String value) {
        set(imageCol, value);
        return this;
    }

    public GemmaTransformer setLabels(List<String> value) {
        set(labels, value.toArray(String[]::new));
        return this;
    }

    public GemmaTransformer setMaxWords(int value) {
        set(maxWords, value);
        return this;
    }

    public GemmaTransformer setFullResult(boolean value) {
        set(fullResult, value);
        return this;
    }

    /** Sets one gemma option ({@code maxTokens}, {@code temperature}, ...), keeping the others. */
    public GemmaTransformer setOption(String key, String value) {
        Map<String, String> all = new TreeMap<>($(options));
        all.put(key, value);
        set(options, all);
        return this;
    }

    private GemmaTask gemmaTask() {
        return GemmaTask.parse($(task), "param task of " + uid);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        GemmaTask t = gemmaTask();
        List<Column> args = new ArrayList<>(List.of(functions.col($(inputCol))));
        if (t == GemmaTask.CLASSIFY) {
            args.add(functions.array(java.util.Arrays.stream($(labels)).map(functions::lit).toArray(Column[]::new)));
        } else if ((t == GemmaTask.SUMMARIZE || t == GemmaTask.CAPTION) && (Integer) $(maxWords) > 0) {
            args.add(functions.lit($(maxWords)));
        } else if (t == GemmaTask.GENERATE && isDefined(imageCol)) {
            args.add(functions.col($(imageCol)));
        }
        Column call = GemmaFunctions.call(t, (Boolean) $(fullResult), $(options), args.toArray(Column[]::new));
        return dataset.withColumn($(outputCol), call);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(inputCol) || !isDefined(outputCol)) {
            throw new IllegalArgumentException("GemmaTransformer " + uid + " needs inputCol and outputCol");
        }
        if (!List.of(schema.fieldNames()).contains($(inputCol))) {
            throw new IllegalArgumentException("inputCol '" + $(inputCol) + "' of GemmaTransformer " + uid
                    + " is not a column of " + schema.simpleString());
        }
        if (isDefined(imageCol)) {
            if (gemmaTask() != GemmaTask.GENERATE) {
                throw new IllegalArgumentException("imageCol of GemmaTransformer " + uid + " belongs to task generate, "
                        + "not " + gemmaTask().label() + " (task caption reads its images from inputCol)");
            }
            if (!List.of(schema.fieldNames()).contains($(imageCol))) {
                throw new IllegalArgumentException("imageCol '" + $(imageCol) + "' of GemmaTransformer " + uid
                        + " is not a column of " + schema.simpleString());
            }
        }
        if (gemmaTask() == GemmaTask.CLASSIFY && $(labels).length == 0) {
            throw new IllegalArgumentException("GemmaTransformer " + uid + " with task classify needs labels");
        }
        return schema.add($(outputCol), GemmaFunction.resultType(gemmaTask(), (Boolean) $(fullResult)), true);
    }

    @Override
    public GemmaTransformer copy(ParamMap extra) {
        return (GemmaTransformer) defaultCopy(extra);
    }
}
