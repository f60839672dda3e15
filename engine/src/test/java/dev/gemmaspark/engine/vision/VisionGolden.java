package dev.gemmaspark.engine.vision;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.GGUFWriter;
import dev.gemmaspark.engine.gguf.GGUFWriter.ValueType;
import dev.gemmaspark.engine.gguf.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * llama.cpp's reference data for image input under test resources {@code golden/vision/} (see its README): two
 * random-weight projectors, three PNG images, and per projector x image the preprocessed pixels, projector outputs
 * and logits.
 */
public final class VisionGolden {
    public static final String S1 = "mmproj-gemma3nv-s1-seed1-f32";
    public static final String S2 = "mmproj-gemma3nv-s2-seed2-f16";
    public static final List<String> PROJECTORS = List.of(S1, S2);
    public static final List<String> IMAGES = List.of("g0_gradient_320x200", "g1_checker_150x260", "g2_photo_380x285");
    /** The image marker ids of the test text model (control tokens appended to the 500-token vocabulary). */
    public static final int START_OF_IMAGE = 500;
    public static final int END_OF_IMAGE = 501;
    private static Path textModel;

    private VisionGolden() {
    }

    public static Path path(String relative) {
        return Golden.path("vision/" + relative);
    }

    public static Path projector(String name) {
        return path("models/" + name + ".gguf");
    }

    public static Path image(String name) {
        return path("images/" + name + ".png");
    }

    public static String run(String projector, String image) {
        return "refs/" + projector + "/" + image + "/";
    }

    public static Golden.Npy npy(String relative) {
        return Golden.npyArray("vision/" + relative);
    }

    public static JsonNode json(String relative) {
        return Golden.json("vision/" + relative);
    }

    /**
     * The golden text model {@code gemma3n-tiny6img-tinyvocab-f32}: the text golden model {@code
     * gemma3n-tiny6-tinyvocab-f32} with {@code <start_of_image>} (500) and {@code <end_of_image>} (501) appended as
     * control tokens and their two rows appended to {@code token_embd} and {@code per_layer_token_embd}; every other
     * tensor and token is that file's (the golden README says so, checked element by element). Only the two rows
     * are kept under {@code vision/models/}, and the file is rebuilt here once per JVM.
     */
    public static synchronized Path textModel() {
        if (textModel == null) {
            try {
                Path out = Files.createTempFile("gemma3n-tiny6img-tinyvocab-f32", ".gguf");
                out.toFile().deleteOnExit();
                writeImageModel(out);
                textModel = out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return textModel;
    }

    private static void writeImageModel(Path out) throws IOException {
        Map<String, float[]> extraRows = Map.of(
                "token_embd.weight", npy("models/image-tokens.token_embd.npy").floats(),
                "per_layer_token_embd.weight", npy("models/image-tokens.per_layer_token_embd.npy").floats());
        try (GGUFFile base = GGUFFile.open(Golden.model("gemma3n-tiny6-tinyvocab-f32"))) {
            GGUFWriter w = new GGUFWriter();
            for (Map.Entry<String, Object> e : base.metadata().entrySet()) {
                String key = e.getKey();
                Object v = e.getValue();
                switch (key) {
                    case "tokenizer.ggml.tokens" -> v = append((String[]) v, "<start_of_image>", "<end_of_image>");
                    case "tokenizer.ggml.scores" -> v = append((float[]) v, -1000f, -1000f);
                    case "tokenizer.ggml.token_type" -> v = append((int[]) v, 3, 3);
                    default -> { }
                }
                put(w, key, v);
            }
            for (TensorInfo t : base.tensors().values()) {
                float[] extra = extraRows.get(t.name());
                if (extra == null) {
                    w.addTensor(t.name(), t.type(), t.ne(), dst -> MemorySegment.copy(t.data(), 0, dst, 0, t.byteSize()));
                } else {
                    long[] ne = t.ne().clone();
                    ne[1] += 2;
                    if (t.type() != GGMLType.F32) {
                        throw new IllegalStateException(t.name() + " is " + t.type());
                    }
                    w.addTensor(t.name(), t.type(), ne, dst -> {
                        MemorySegment.copy(t.data(), 0, dst, 0, t.byteSize());
                        MemorySegment.copy(extra, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, t.byteSize(), extra.length);
                    });
                }
            }
            w.write(out);
        }
    }

    private static void put(GGUFWriter w, String key, Object v) {
        switch (v) {
            case String s -> w.putString(key, s);
            case Boolean b -> w.putBool(key, b);
            case Float f -> w.putFloat32(key, f);
            case Double d -> w.putFloat64(key, d);
            case Integer i -> w.putInteger(key, ValueType.INT32, i);
            case Long l -> w.putInteger(key, ValueType.INT64, l);
            case String[] a -> w.putArray(key, ValueType.STRING, a);
            case float[] a -> w.putArray(key, ValueType.FLOAT32, a);
            case double[] a -> w.putArray(key, ValueType.FLOAT64, a);
            case boolean[] a -> w.putArray(key, ValueType.BOOL, a);
            case int[] a -> w.putArray(key, ValueType.INT32, a);
            case long[] a -> w.putArray(key, ValueType.INT64, a);
            default -> throw new IllegalStateException(key + ": " + v.getClass());
        }
    }

    private static String[] append(String[] a, String... more) {
        String[] out = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    private static float[] append(float[] a, float... more) {
        float[] out = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    private static int[] append(int[] a, int... more) {
        int[] out = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    /** max |a - b| / max |b|. */
    public static double relativeError(float[] actual, int aOff, float[] expected, int eOff, int n) {
        double diff = 0;
        double max = 0;
        for (int i = 0; i < n; i++) {
            diff = Math.max(diff, Math.abs(actual[aOff + i] - expected[eOff + i]));
            max = Math.max(max, Math.abs(expected[eOff + i]));
        }
        return diff / max;
    }
}
