package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.engine.vision.ImageDecoder;
import dev.gemmaspark.engine.vision.RgbImage;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VariableWidthFieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.StructVector;

/**
 * Row {@code row} of a batch given to {@link Inference}, read from the batch's vectors when asked: a recording
 * or an image is copied out of its vector only to be decoded. {@code names} names the rows in messages.
 */
record TaskInput(VectorSchemaRoot batch, int row, Inference.RowNames names) {

    /** The value of {@code column} in this row: null when the batch lacks the column or the row's value is null. */
    private Object value(InputColumn column) {
        FieldVector v = batch.getVector(column.column());
        return v == null ? null : v.getObject(row);
    }

    /** A string column, whose vectors hold an Arrow Text (Utf8 and LargeUtf8 alike). */
    private String string(InputColumn column) {
        Object v = value(column);
        return v == null ? null : v.toString();
    }

    String text() {
        return string(InputColumn.TEXT);
    }

    Integer maxWords() {
        return (Integer) value(InputColumn.MAX_WORDS);
    }

    List<String> labels() {
        List<?> labels = (List<?>) value(InputColumn.LABELS);
        return labels == null ? null : labels.stream().map(l -> l == null ? null : l.toString()).toList();
    }

    String context() {
        return string(InputColumn.CONTEXT);
    }

    /** Why the row failed before it reached the engine, or null. */
    String error() {
        return string(InputColumn.ERROR);
    }

    /** The bytes of the recording, a copy. */
    byte[] audio() {
        return (byte[]) value(InputColumn.AUDIO);
    }

    /** The length of the recording in bytes, -1 when there is none. */
    long audioLength() {
        FieldVector v = batch.getVector(InputColumn.AUDIO.column());
        return v == null || v.isNull(row) ? -1 : ((VariableWidthFieldVector) v).getValueLength(row);
    }

    /** The image's file bytes, or null when the row holds none in that form. */
    private byte[] imageBytes() {
        return (byte[]) value(InputColumn.IMAGE);
    }

    /** The row's struct of Spark's image source, or null when it holds none in that form. */
    private StructVector imageStruct() {
        FieldVector v = batch.getVector(InputColumn.IMAGE_STRUCT.column());
        return v == null || v.isNull(row) ? null : (StructVector) v;
    }

    /** Whether the row holds an image, as file bytes or as Spark's image struct (a null image is none). */
    boolean hasImage() {
        FieldVector bytes = batch.getVector(InputColumn.IMAGE.column());
        return bytes != null && !bytes.isNull(row) || imageStruct() != null;
    }

    /**
     * The row's image as RGB letterboxed to {@code size x size} (what the vision tower takes, so that a batch holds
     * its images at that size, not as large as their files), decoded from its file bytes or converted from Spark's
     * image struct; bytes that are no image in a supported format, or a struct that holds none, throw {@link
     * IllegalArgumentException}.
     */
    RgbImage image(int size) {
        byte[] bytes = imageBytes();
        if (bytes != null) {
            return ImageDecoder.decode(bytes, size);
        }
        StructVector s = imageStruct();
        Object origin = s.getChild("origin").getObject(row);
        return SparkImages.letterboxed(origin == null ? null : origin.toString(),
                (Integer) s.getChild("height").getObject(row), (Integer) s.getChild("width").getObject(row),
                (Integer) s.getChild("nChannels").getObject(row), (Integer) s.getChild("mode").getObject(row),
                (byte[]) s.getChild("data").getObject(row), size);
    }

    /** What to call the row in the messages about its audio or image. */
    String name() {
        return names.name(row);
    }

    /** A short, single-line excerpt of the input that names the row in error messages. */
    String excerpt() {
        long audioBytes = audioLength();
        if (audioBytes >= 0) {
            return audioBytes + " bytes of audio";
        }
        String text = text();
        if (text == null) {
            FieldVector bytes = batch.getVector(InputColumn.IMAGE.column());
            if (bytes != null && !bytes.isNull(row)) {
                return ((VariableWidthFieldVector) bytes).getValueLength(row) + " bytes of image";
            }
            StructVector s = imageStruct();
            return s == null ? "null" : "an image struct of " + s.getChild("width").getObject(row) + " x "
                    + s.getChild("height").getObject(row);
        }
        // only the head is shown, so only the head is scanned: a row may hold megabytes
        String head = text.length() > 200 ? text.substring(0, 200) : text;
        String oneLine = head.replaceAll("\\s+", " ").strip();
        return "'" + (oneLine.length() > 60 ? oneLine.substring(0, 60) + "..." : oneLine) + "'";
    }
}
