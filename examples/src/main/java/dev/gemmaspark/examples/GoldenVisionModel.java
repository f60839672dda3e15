package dev.gemmaspark.examples;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.GGUFWriter;
import dev.gemmaspark.engine.gguf.GGUFWriter.ValueType;
import dev.gemmaspark.engine.gguf.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;

/**
 * The model {@code run-caption.sh} uses when it is given none: the engine's golden tiny text model with the image
 * tokens, {@code gemma3n-tiny6img-tinyvocab-f32} (engine/src/test/resources/golden/vision/README.md: the tiny f32
 * text model with {@code <start_of_image>} and {@code <end_of_image>} appended, whose two embedding rows are kept
 * as .npy beside the projectors), rebuilt from those files, and the golden S = 256 random-weight projector. Both
 * are random weights: the captions are noise; they only show that the pipeline runs.
 * {@code GoldenVisionModel <golden folder> <output folder>}.
 *
 * @param gguf   the text model
 * @param mmproj the vision projector
 */
public record GoldenVisionModel(Path gguf, Path mmproj) {

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: GoldenVisionModel <golden folder> <output folder>");
        }
        GoldenVisionModel m = write(Path.of(args[0]), Path.of(args[1]));
        System.out.println(m.gguf() + " " + m.mmproj());
    }

    /** Writes the model into {@code out} from {@code golden}, such as {@code engine/src/test/resources/golden}. */
    public static GoldenVisionModel write(Path golden, Path out) throws IOException {
        Files.createDirectories(out);
        Path gguf = out.resolve("tiny-image.gguf");
        writeImageModel(golden, gguf);
        Path mmproj = out.resolve("mmproj.gguf");
        Files.copy(golden.resolve("vision/models/mmproj-gemma3nv-s1-seed1-f32.gguf"), mmproj,
                StandardCopyOption.REPLACE_EXISTING);
        return new GoldenVisionModel(gguf, mmproj);
    }

    /** The tiny f32 text model with the two image tokens appended as control tokens and their embedding rows. */
    private static void writeImageModel(Path golden, Path out) throws IOException {
        Map<String, float[]> extraRows = Map.of(
                "token_embd.weight", npyFloats(golden.resolve("vision/models/image-tokens.token_embd.npy")),
                "per_layer_token_embd.weight",
                npyFloats(golden.resolve("vision/models/image-tokens.per_layer_token_embd.npy")));
        try (GGUFFile base = GGUFFile.open(golden.resolve("models/gemma3n-tiny6-tinyvocab-f32.gguf"))) {
            GGUFWriter w = new GGUFWriter();
            for (Map.Entry<String, Object> e : base.metadata().entrySet()) {
                Object v = switch (e.getKey()) {
                    case "tokenizer.ggml.tokens" ->
                            append((String[]) e.getValue(), "<start_of_image>", "<end_of_image>");
                    case "tokenizer.ggml.scores" -> append((float[]) e.getValue(), -1000f, -1000f);
                    case "tokenizer.ggml.token_type" -> append((int[]) e.getValue(), 3, 3);
                    default -> e.getValue();
                };
                put(w, e.getKey(), v);
            }
            for (TensorInfo t : base.tensors().values()) {
                float[] extra = extraRows.get(t.name());
                if (extra == null) {
                    w.addTensor(t.name(), t.type(), t.ne(),
                            dst -> MemorySegment.copy(t.data(), 0, dst, 0, t.byteSize()));
                } else {
                    if (t.type() != GGMLType.F32) {
                        throw new IllegalStateException(t.name() + " is " + t.type());
                    }
                    long[] ne = t.ne().clone();
                    ne[1] += 2;
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

    /** The values of a little-endian float32 .npy file (version 1 or 2 header), in file order. */
    private static float[] npyFloats(Path npy) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(npy)).order(ByteOrder.LITTLE_ENDIAN);
        int major = b.get(6);
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort(8)) : b.getInt(8);
        int start = (major == 1 ? 10 : 12) + headerLength;
        String header = new String(b.array(), 0, start, StandardCharsets.ISO_8859_1);
        if (!header.contains("'<f4'")) {
            throw new IllegalStateException(npy + " is not little-endian float32: " + header);
        }
        FloatBuffer floats = b.position(start).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[floats.remaining()];
        floats.get(out);
        return out;
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
}
