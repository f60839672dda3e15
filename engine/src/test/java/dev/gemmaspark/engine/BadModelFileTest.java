package dev.gemmaspark.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.gguf.GGUFFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad model file fails at load with an exception naming the file and the problem (and the tensor). */
class BadModelFileTest {
    private static final String MODEL = "gemma3n-tiny6-tinyvocab-f32";

    @TempDir
    Path dir;

    private void assertLoadFails(Path file, String... expected) {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> GemmaModel.load(file, EngineOptions.defaults().withThreads(1)).close());
        String message = e.getMessage();
        assertTrue(message.contains(file.toString()), "message names the file: " + message);
        for (String part : expected) {
            assertTrue(message.contains(part), "message mentions '" + part + "': " + message);
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static byte[] golden() throws IOException {
        return Files.readAllBytes(Golden.model(MODEL));
    }

    /** Position just past the first occurrence of {@code needle} (a GGUF string's bytes). */
    private static int after(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i + n.length;
        }
        throw new AssertionError("not found: " + needle);
    }

    @Test
    void missingFile() {
        assertLoadFails(dir.resolve("nope.gguf"), "not found");
    }

    @Test
    void notGguf() throws IOException {
        assertLoadFails(write("text.gguf", "hello, this is not a model at all".getBytes(StandardCharsets.UTF_8)),
                "not a GGUF file");
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] all = golden();
        assertLoadFails(write("cut.gguf", Arrays.copyOf(all, all.length / 2)), "truncated");
    }

    @Test
    void unknownArchitecture() throws IOException {
        byte[] b = golden();
        int at = after(b, "gemma3n") - 1; // the value of general.architecture comes first in the file
        b[at] = 'x';
        GGUFFormatException e = assertThrows(GGUFFormatException.class,
                () -> GemmaModel.load(write("arch.gguf", b), EngineOptions.defaults()).close());
        assertTrue(e.getMessage().contains("architecture is 'gemma3x'"), e.getMessage());
    }

    @Test
    void missingTensor() throws IOException {
        byte[] b = golden();
        b[after(b, "blk.3.ffn_up.weight") - 1] = 'X';
        assertLoadFails(write("missing.gguf", b), "missing tensor 'blk.3.ffn_up.weight'");
    }

    @Test
    void tensorOfTheWrongShape() throws IOException {
        byte[] b = golden();
        int info = after(b, "blk.2.post_norm.weight");
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(info + 4, buf.getLong(info + 4) / 2); // ne[0] after n_dims
        assertLoadFails(write("shape.gguf", b), "tensor 'blk.2.post_norm.weight' has shape [64]", "expected [128]");
    }

    @Test
    void unsupportedQuantType() throws IOException {
        byte[] b = golden();
        int info = after(b, "blk.1.attn_q.weight");
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int nDims = buf.getInt(info);
        buf.putInt(info + 4 + 8 * nDims, 16); // IQ2_XXS
        assertLoadFails(write("iq.gguf", b), "tensor 'blk.1.attn_q.weight'", "ggml type 16");
    }
}
