package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.cli.NpyArray;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.GGUFWriter;
import dev.gemmaspark.engine.gguf.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A text model with Gemma 3n's image markers {@code <start_of_image>} and {@code <end_of_image>} appended to its
 * vocabulary as control tokens, and their rows appended to {@code token_embd} and {@code per_layer_token_embd}: how
 * the golden image test model {@code gemma3n-tiny6img-tinyvocab-f32} (engine/src/test/resources/golden/vision/
 * README.md) is made from the golden text model and the two rows kept beside the projectors, so that the engine's
 * and the connector's tests and the caption example share its recipe instead of a second 13 MB file.
 */
public final class ImageTokenModel {
    /** Score and token type ({@link Vocabulary#CONTROL}) of the appended markers, as in the golden file. */
    private static final float SCORE = -1000f;

    private ImageTokenModel() {
    }

    /**
     * The golden image test model, from a folder laid out as {@code engine/src/test/resources/golden}: the base
     * model {@code models/gemma3n-tiny6-tinyvocab-f32.gguf} and the rows under {@code vision/models/}.
     */
    public static void writeGolden(Path golden, Path out) throws IOException {
        write(golden.resolve("models/gemma3n-tiny6-tinyvocab-f32.gguf"),
                golden.resolve("vision/models/image-tokens.token_embd.npy"),
                golden.resolve("vision/models/image-tokens.per_layer_token_embd.npy"), out);
    }

    /**
     * {@code base} (its embedding tables F32) with the two markers appended, their rows read from float32 .npy
     * files of two rows each.
     */
    public static void write(Path base, Path tokenRows, Path perLayerRows, Path out) throws IOException {
        Map<String, float[]> rows = Map.of("token_embd.weight", NpyArray.read(tokenRows).data(),
                "per_layer_token_embd.weight", NpyArray.read(perLayerRows).data());
        try (GGUFFile model = GGUFFile.open(base)) {
            GGUFWriter w = new GGUFWriter();
            model.metadata().forEach((key, value) -> w.putDecoded(key, switch (key) {
                case Vocabulary.TOKENS -> append((String[]) value, "<start_of_image>", "<end_of_image>");
                case Vocabulary.SCORES -> append((float[]) value, SCORE);
                case Vocabulary.TYPES -> append((int[]) value, Vocabulary.CONTROL);
                default -> value;
            }));
            for (TensorInfo t : model.tensors().values()) {
                float[] extra = rows.get(t.name());
                if (extra == null) {
                    w.addTensor(t.name(), t.type(), t.ne(), dst -> MemorySegment.copy(t.data(), 0, dst, 0, t.byteSize()));
                    continue;
                }
                if (t.type() != GGMLType.F32 || extra.length != 2 * t.ne()[0]) {
                    throw new IllegalArgumentException(base + ": " + t.name() + " is " + t.type() + " of rows of "
                            + t.ne()[0] + "; two F32 rows of that width are appended, got " + extra.length + " values");
                }
                long[] ne = t.ne().clone();
                ne[1] += 2;
                w.addTensor(t.name(), t.type(), ne, dst -> {
                    MemorySegment.copy(t.data(), 0, dst, 0, t.byteSize());
                    MemorySegment.copy(extra, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, t.byteSize(), extra.length);
                });
            }
            w.write(out);
        }
    }

    private static String[] append(String[] a, String... more) {
        String[] out = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    /** {@code a} with {@code value} twice more, one per marker. */
    private static float[] append(float[] a, float value) {
        float[] out = Arrays.copyOf(a, a.length + 2);
        out[a.length] = value;
        out[a.length + 1] = value;
        return out;
    }

    private static int[] append(int[] a, int value) {
        int[] out = Arrays.copyOf(a, a.length + 2);
        out[a.length] = value;
        out[a.length + 1] = value;
        return out;
    }
}
