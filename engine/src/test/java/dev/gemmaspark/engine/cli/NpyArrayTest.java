package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.Golden;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyArrayTest {

    @Test
    void writesTheBytesNumPyWrites(@TempDir Path dir) throws IOException {
        // np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)) with NumPy 2.4: a 128-byte header, then the data.
        Path file = dir.resolve("a.npy");
        new NpyArray(new int[] {2, 3}, new float[] {0, 1, 2, 3, 4, 5}).write(file);
        byte[] bytes = Files.readAllBytes(file);
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        ByteBuffer expected = ByteBuffer.allocate(128 + 24).order(ByteOrder.LITTLE_ENDIAN);
        expected.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x76, 0});
        expected.put((header + " ".repeat(117 - header.length()) + "\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 6; i++) {
            expected.putFloat(i);
        }
        assertArrayEquals(expected.array(), bytes);
    }

    @Test
    void roundTripsShapesAndValues(@TempDir Path dir) throws IOException {
        float[] data = new float[3 * 70_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i) * 1e3f;
        }
        data[1] = Float.NEGATIVE_INFINITY;
        data[2] = -0f;
        Path file = dir.resolve("big.npy");
        new NpyArray(new int[] {3, 70_000}, data).write(file);
        NpyArray back = NpyArray.read(file);
        assertArrayEquals(new int[] {3, 70_000}, back.shape());
        assertArrayEquals(data, back.data());

        new NpyArray(new int[] {4}, new float[] {1, 2, 3, 4}).write(file);
        assertArrayEquals(new int[] {4}, NpyArray.read(file).shape());
    }

    @Test
    void readsTheGoldenReferenceLogits() throws IOException {
        NpyArray logits = NpyArray.read(Golden.path("refs/gemma3n-tiny6-tinyvocab-f32/p0_short.prompt_logits.npy"));
        assertArrayEquals(new int[] {14, 500}, logits.shape());
        // the last prompt row is the reference's last_logits; its argmax is the first greedy token (494)
        float[] last = Arrays.copyOfRange(logits.data(), 13 * 500, 14 * 500);
        assertArrayEquals(Golden.npy("refs/gemma3n-tiny6-tinyvocab-f32/p0_short.last_logits.npy"), last);
        int argmax = 0;
        for (int i = 1; i < 500; i++) {
            argmax = last[i] > last[argmax] ? i : argmax;
        }
        assertEquals(494, argmax);
    }

    @Test
    void rejectsWhatIsNotFloat32(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("f8.npy");
        new NpyArray(new int[] {2}, new float[] {1, 2}).write(file);
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("'<f4'", "'<f8'");
        Files.write(file, text.getBytes(StandardCharsets.ISO_8859_1));
        IOException e = assertThrows(IOException.class, () -> NpyArray.read(file));
        assertTrue(e.getMessage().startsWith(file + ": element type '<f8'"), e.getMessage());

        Path notNpy = dir.resolve("x.npy");
        Files.writeString(notNpy, "hello, this is not numpy");
        assertThrows(IOException.class, () -> NpyArray.read(notNpy));
        assertThrows(IllegalArgumentException.class, () -> new NpyArray(new int[] {2, 2}, new float[3]));
    }
}
