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

/** The llama.cpp reference data under test resources {@code golden/} (see its README). */
public final class Golden {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Golden() {
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

    /** A little-endian float32 C-order .npy file, flattened. */
    public static float[] npy(String relative) {
        try {
            byte[] bytes = Files.readAllBytes(path(relative));
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            int major = bytes[6];
            int headerLen = major == 1 ? buf.getShort(8) & 0xFFFF : buf.getInt(8);
            int start = (major == 1 ? 10 : 12) + headerLen;
            String header = new String(bytes, major == 1 ? 10 : 12, headerLen, StandardCharsets.US_ASCII);
            if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) {
                throw new IllegalArgumentException(relative + ": not little-endian float32 C order: " + header);
            }
            float[] out = new float[(bytes.length - start) / 4];
            buf.position(start);
            buf.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
