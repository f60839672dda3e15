package dev.gemmaspark.connector.sql;

import dev.gemmaspark.connector.options.GemmaOptions;
import dev.gemmaspark.connector.runtime.GemmaTask;
import dev.gemmaspark.connector.runtime.InputColumn;
import dev.gemmaspark.connector.runtime.SparkImages;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import scala.Function1;
import scala.collection.immutable.Seq;

/** Builds the call expressions of the {@code gemma_*} functions from their SQL arguments, and recognizes them. */
public final class GemmaCalls {
    private GemmaCalls() {}

    /** Whether {@code e} is a call of a gemma function. */
    public static boolean isCall(Expression e) {
        return e instanceof GemmaCall;
    }

    /** The function of a call. */
    static GemmaFunction function(Expression call) {
        return ((GemmaCall) call).gemmaFunction();
    }

    /** The SQL usage line of a function, for {@code DESCRIBE FUNCTION}. */
    public static String usage(GemmaTask task, boolean fullResult) {
        String name = GemmaFunction.sqlName(task, fullResult);
        String args = switch (task) {
            case GENERATE -> "prompt [, image] [, options]";
            case SUMMARIZE -> "text [, max_words] [, options]";
            case CLASSIFY -> "text, labels [, options]";
            case SCORE -> "text [, context] [, options]";
            case TRANSCRIBE -> "audio [, options]";
            case CAPTION -> "image [, max_words] [, options]";
        };
        String returns = fullResult ? "the full result record" : switch (task) {
            case GENERATE, SUMMARIZE -> "the generated text";
            case CLASSIFY -> "the most likely label";
            case SCORE -> "struct<log_likelihood, tokens, perplexity>";
            case TRANSCRIBE -> "the transcript of the audio (the bytes of a WAV, FLAC or MP3 file)";
            case CAPTION -> "a description of the image";
        };
        String image = task.takesImages() ? "; an image is the bytes of a PNG, JPEG, BMP or GIF file, or the struct of "
                + "Spark's image data source" : "";
        return name + "(" + args + ") - runs Gemma 3n in batches and returns " + returns + image
                + "; options is a constant map<string,string> of gemma options without the spark.gemma. prefix.";
    }

    /** The function builder of one gemma function, as Spark's function registry takes it. */
    public static Function1<Seq<Expression>, Expression> builder(GemmaTask task, boolean fullResult) {
        return args -> build(task, fullResult, Scala.list(args));
    }

    private static Expression build(GemmaTask task, boolean fullResult, List<Expression> args) {
        String name = GemmaFunction.sqlName(task, fullResult);
        SortedMap<String, String> options = new TreeMap<>();
        List<Expression> data = args;
        if (!args.isEmpty() && args.getLast().dataType() instanceof MapType) {
            options = constantMap(args.getLast(), name);
            GemmaOptions.fromMap(options, name, Set.of()); // unknown option names fail at analysis
            data = args.subList(0, args.size() - 1);
        }
        int min = task == GemmaTask.CLASSIFY ? 2 : 1;
        int max = task == GemmaTask.TRANSCRIBE ? 1 : 2;
        if (data.size() < min || data.size() > max) {
            throw new IllegalArgumentException(name + " takes " + (min == max ? min : min + " or " + max)
                    + " arguments before its options map, got " + data.size() + ": usage " + usage(task, fullResult));
        }
        List<InputColumn> columns = new ArrayList<>(InputColumn.of(task).subList(0, data.size()));
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i) == InputColumn.IMAGE) {
                columns.set(i, imageColumn(data.get(i), task, fullResult));
            }
        }
        GemmaFunction function = new GemmaFunction(task, fullResult, List.copyOf(columns), options, null, null, null);
        return new GemmaCall(function, Scala.seq(data));
    }

    /**
     * How an image argument reaches the engine: file bytes, or the struct of Spark's image source. Any other type
     * is refused rather than cast (a string would be cast to its UTF-8 bytes: a path, most likely, not an image).
     */
    private static InputColumn imageColumn(Expression arg, GemmaTask task, boolean fullResult) {
        DataType type = arg.dataType();
        if (type instanceof BinaryType || type instanceof NullType) {
            return InputColumn.IMAGE;
        }
        if (SparkImages.isImageStruct(type)) {
            return InputColumn.IMAGE_STRUCT;
        }
        throw new IllegalArgumentException("the image argument of " + GemmaFunction.sqlName(task, fullResult)
                + " must be BINARY (the bytes of an image file, such as the content of Spark's binaryFile source) or "
                + "the struct of Spark's image source (origin, height, width, nChannels, mode, data), got "
                + type.sql() + ": " + arg.sql() + "; usage " + usage(task, fullResult));
    }

    private static SortedMap<String, String> constantMap(Expression e, String name) {
        if (!e.foldable()) {
            throw new IllegalArgumentException("the options of " + name + " must be a constant map, such as "
                    + "map('maxTokens', '64'), got " + e.sql());
        }
        MapData map = (MapData) e.eval(null);
        SortedMap<String, String> out = new TreeMap<>();
        if (map == null) {
            return out;
        }
        MapType type = (MapType) e.dataType();
        for (int i = 0; i < map.numElements(); i++) {
            Object key = map.keyArray().get(i, type.keyType());
            Object value = map.valueArray().isNullAt(i) ? null : map.valueArray().get(i, type.valueType());
            out.put(String.valueOf(key), value == null ? null : String.valueOf(value));
        }
        return out;
    }
}
