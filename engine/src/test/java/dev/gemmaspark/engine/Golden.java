package dev.gemmaspark.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference data under test resources {@code golden/} (llama.cpp's for text, transformers' for audio; see
 * the READMEs there), and .npy reading.
 */
public final class Golden {
    private static final Pattern SHAPE = Pattern.compile("'shape': \\(([^)]*)\\)");
    private static final Pattern DESCR = Pattern.compile("'descr': '([^']*)'");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Golden() {
    }

    /**
     * log softmax(row {@code row} of {@code logits})[token], in double with the maximum subtracted: a reference
     * computed apart from the engine's own log-softmax, for checking scores against llama.cpp's logits.
     */
    public static double logprob(float[] logits, int row, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[row * vocab + v]);
        }
        double z = 0;
        for (int v = 0; v < vocab; v++) {
            z += Math.exp(logits[row * vocab + v] - max);
        }
        return logits[row * vocab + token] - max - Math.log(z);
    }

    public static Path path(String relative) {
        URL url = Golden.class.getResource("/golden/" + relative);
        if (url == null) {
            throw new IllegalArgumentException("no golden file " + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path model(String name) {
        return path("models/" + name + ".gguf");
    }

    public static Gemma3nConfig config(String model) {
        try (GGUFFile f = GGUFFile.open(model(model))) {
            return Gemma3nConfig.fromGGUF(f);
        }
    }

    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(path(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** A C-order .npy array: float32 or float64 data in {@code values} (as double), or bool in {@code flags}. */
    public record Npy(int[] shape, double[] values, boolean[] flags) {
        public float[] floats() {
            float[] out = new float[values.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) values[i];
            }
            return out;
        }

        public int dim(int i) {
            return shape[i];
        }
    }

    public static Npy npyArray(String relative) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int major = bytes[6];
        int headerLen = major == 1 ? buf.getShort(8) & 0xFFFF : buf.getInt(8);
        int start = (major == 1 ? 10 : 12) + headerLen;
        String header = new String(bytes, major == 1 ? 10 : 12, headerLen, StandardCharsets.US_ASCII);
        if (header.contains("'fortran_order': True")) {
            throw new IllegalArgumentException(relative + ": Fortran order");
        }
        Matcher s = SHAPE.matcher(header);
        Matcher d = DESCR.matcher(header);
        if (!s.find() || !d.find()) {
            throw new IllegalArgumentException(relative + ": bad header " + header);
        }
        String[] dims = s.group(1).split(",");
        int count = 0;
        for (String dim : dims) {
            if (!dim.isBlank()) {
                count++;
            }
        }
        int[] shape = new int[count];
        int n = 1;
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (!dims[i].isBlank()) {
                shape[j] = Integer.parseInt(dims[i].trim());
                n *= shape[j++];
            }
        }
        buf.position(start);
        return switch (d.group(1)) {
            case "<f4" -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = buf.getFloat();
                }
                yield new Npy(shape, v, null);
            }
            case "<f8" -> {
                double[] v = new double[n];
                buf.asDoubleBuffer().get(v);
                yield new Npy(shape, v, null);
            }
            case "|b1" -> {
                boolean[] f = new boolean[n];
                for (int i = 0; i < n; i++) {
                    f[i] = bytes[start + i] != 0;
                }
                yield new Npy(shape, null, f);
            }
            default -> throw new IllegalArgumentException(relative + ": unsupported dtype " + d.group(1));
        };
    }

    /** A float32 or float64 .npy file, flattened to float. */
    public static float[] npy(String relative) {
        return npyArray(relative).floats();
    }

    /** Largest absolute element-wise difference. */
    public static float maxAbsDiff(float[] a, int aOff, float[] b, int bOff, int n) {
        float max = 0f;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(a[aOff + i] - b[bOff + i]));
        }
        return max;
    }

    public static float maxAbs(float[] a) {
        float max = 0f;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
