package dev.gemmaspark.connector.runtime;

import java.util.List;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of a batch that {@link Inference} reads, by name; a column a batch lacks is null in every row.
 * The first is the row's text (the prompt, or the text to summarize, classify or score) or, for transcribe,
 * the bytes of an audio file, or, for caption, the image; the second the task's other argument (generate's is
 * its image). An image is the bytes of an image file ({@link #IMAGE}) or the struct of Spark's image data source
 * ({@link #IMAGE_STRUCT}), whichever a call was given. {@link #ERROR} is a row that failed
 * before it reached the engine (a file that could not be read): it gets that error without being run.
 */
public enum InputColumn {
    /** Utf8 or LargeUtf8. */
    TEXT("text", DataTypes.StringType),
    /** Binary or LargeBinary: the bytes of a WAV, FLAC or MP3 file. */
    AUDIO("audio", DataTypes.BinaryType),
    /** Binary or LargeBinary: the bytes of a PNG, JPEG, BMP or GIF file. */
    IMAGE("image", DataTypes.BinaryType),
    /** Struct of Spark's image data source ({@link ImageSchema#columnSchema()}): BGR(A) or grey bytes, row-major. */
    IMAGE_STRUCT("image_struct", ImageSchema.columnSchema()),
    /** Int32: the limit of a summary or caption. */
    MAX_WORDS("max_words", DataTypes.IntegerType),
    /** List of Utf8: the labels to classify into. */
    LABELS("labels", DataTypes.createArrayType(DataTypes.StringType, true)),
    /** Utf8: the text a scored text follows. */
    CONTEXT("context", DataTypes.StringType),
    /** Utf8. */
    ERROR("error", DataTypes.StringType);

    private final String column;
    private final DataType type;

    InputColumn(String column, DataType type) {
        this.column = column;
        this.type = type;
    }

    public String column() {
        return column;
    }

    /** The Spark type of the column, which Spark's ArrowWriter writes into the column's Arrow type. */
    public DataType type() {
        return type;
    }

    /** The columns {@code task} reads: its input, then its other argument if it has one. */
    public static List<InputColumn> of(GemmaTask task) {
        return switch (task) {
            case GENERATE -> List.of(TEXT, IMAGE);
            case SUMMARIZE -> List.of(TEXT, MAX_WORDS);
            case CLASSIFY -> List.of(TEXT, LABELS);
            case SCORE -> List.of(TEXT, CONTEXT);
            case TRANSCRIBE -> List.of(AUDIO);
            case CAPTION -> List.of(IMAGE, MAX_WORDS);
        };
    }

    /** {@code columns} as nullable fields, in their order. */
    public static StructType struct(List<InputColumn> columns) {
        StructType struct = new StructType();
        for (InputColumn c : columns) {
            struct = struct.add(c.column, c.type, true);
        }
        return struct;
    }
}
