package dev.gemmaspark.engine.gguf;

import dev.gemmaspark.engine.gguf.GGUFWriter.ValueType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GGUFWriterTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void headerBytesOfAMinimalFile() throws IOException {
        Path f = dir.resolve("min.gguf");
        new GGUFWriter().putInteger("a", ValueType.UINT8, 7).write(f);
        byte[] b = Files.readAllBytes(f);
        // magic, version 3, 0 tensors, 1 entry, key "a" (length 1), type UINT8 (0), value 7; zeros up to 64.
        String want = "47475546" + "03000000" + "0000000000000000" + "0100000000000000"
                + "0100000000000000" + "61" + "00000000" + "07";
        assertEquals(want, HexFormat.of().formatHex(b, 0, 38));
        assertEquals(64, b.length);
    }

    @Test
    void everyValueTypeReadsBackThroughGGUFFile() throws IOException {
        Path f = dir.resolve("kv.gguf");
        new GGUFWriter()
                .putInteger("u8", ValueType.UINT8, 255)
                .putInteger("i8", ValueType.INT8, -128)
                .putInteger("u16", ValueType.UINT16, 65535)
                .putInteger("i16", ValueType.INT16, -32768)
                .putUInt32("u32", 0xFFFF_FFFFL)
                .putInt32("i32", Integer.MIN_VALUE)
                .putInteger("u64", ValueType.UINT64, 1L << 40)
                .putInteger("i64", ValueType.INT64, -(1L << 40))
                .putFloat32("f32", 1.25f)
                .putFloat64("f64", -2.5e300)
                .putBool("bool", true)
                .putString("str", "héllo ▁ <end_of_turn>")
                .putArray("a.str", ValueType.STRING, new String[] {"", "x", "ü"})
                .putArray("a.f32", ValueType.FLOAT32, new float[] {1.5f, Float.NEGATIVE_INFINITY})
                .putArray("a.f64", ValueType.FLOAT64, new double[] {0.1})
                .putArray("a.bool", ValueType.BOOL, new boolean[] {true, false, true})
                .putArray("a.i32", ValueType.INT32, new int[] {-1, 2})
                .putArray("a.u8", ValueType.UINT8, new int[] {0, 200})
                .putArray("a.i16", ValueType.INT16, new int[] {-300})
                .putArray("a.u32", ValueType.UINT32, new long[] {4_000_000_000L})
                .putArray("a.i64", ValueType.INT64, new long[] {-5})
                .write(f);
        try (GGUFFile g = GGUFFile.open(f)) {
            assertEquals(3, g.version());
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "bool", "str",
                    "a.str", "a.f32", "a.f64", "a.bool", "a.i32", "a.u8", "a.i16", "a.u32", "a.i64"),
                    List.copyOf(g.metadata().keySet()));
            assertEquals(255, g.getLong("u8"));
            assertEquals(-128, g.getLong("i8"));
            assertEquals(65535, g.getLong("u16"));
            assertEquals(-32768, g.getLong("i16"));
            assertEquals(0xFFFF_FFFFL, g.getLong("u32"));
            assertEquals(Integer.MIN_VALUE, g.getLong("i32"));
            assertEquals(1L << 40, g.getLong("u64"));
            assertEquals(-(1L << 40), g.getLong("i64"));
            assertEquals(1.25f, g.getFloat("f32"));
            assertEquals(-2.5e300, (Double) g.metadata().get("f64"));
            assertTrue(g.getBoolean("bool", false));
            assertEquals("héllo ▁ <end_of_turn>", g.getString("str"));
            assertArrayEquals(new String[] {"", "x", "ü"}, g.getStringArray("a.str"));
            assertArrayEquals(new float[] {1.5f, Float.NEGATIVE_INFINITY}, g.getFloatArray("a.f32"));
            assertArrayEquals(new double[] {0.1}, (double[]) g.metadata().get("a.f64"));
            assertArrayEquals(new boolean[] {true, false, true}, g.getBooleanArray("a.bool"));
            assertArrayEquals(new int[] {-1, 2}, g.getIntArray("a.i32"));
            assertArrayEquals(new int[] {0, 200}, g.getIntArray("a.u8"));
            assertArrayEquals(new int[] {-300}, g.getIntArray("a.i16"));
            assertArrayEquals(new long[] {4_000_000_000L}, (long[]) g.metadata().get("a.u32"));
            assertArrayEquals(new long[] {-5}, (long[]) g.metadata().get("a.i64"));
        }
    }

    @Test
    void tensorsAreAlignedPaddedAndHoldWhatTheirWriterPut() throws IOException {
        Path f = dir.resolve("t.gguf");
        byte[] q8 = new byte[2 * 34];
        for (int i = 0; i < q8.length; i++) {
            q8[i] = (byte) (i * 7);
        }
        new GGUFWriter()
                .putString("general.architecture", "test")
                .addTensor("five", GGMLType.F32, new long[] {5}, dst -> fillFloats(dst, 5))
                .addTensor("q8", GGMLType.Q8_0, new long[] {32, 2}, dst ->
                        MemorySegment.copy(q8, 0, dst, ValueLayout.JAVA_BYTE, 0, q8.length))
                .addTensor("cube", GGMLType.F32, new long[] {4, 3, 2}, dst -> fillFloats(dst, 24))
                .write(f);
        try (GGUFFile g = GGUFFile.open(f)) {
            assertEquals(0, g.dataStart() % 32);
            TensorInfo five = g.tensor("five");
            TensorInfo q = g.tensor("q8");
            TensorInfo cube = g.tensor("cube");
            assertEquals(0, five.offset());
            assertEquals(32, q.offset()); // 20 bytes padded to 32
            assertEquals(32 + 96, cube.offset()); // 68 bytes padded to 96
            assertEquals(g.dataStart() + 128 + 96, g.fileSize());
            assertArrayEquals(new long[] {4, 3, 2}, cube.ne());
            assertEquals(GGMLType.Q8_0, q.type());
            assertArrayEquals(q8, q.data().toArray(ValueLayout.JAVA_BYTE));
            assertEquals(4f, five.data().getAtIndex(F32, 4));
            assertEquals(23f, cube.data().getAtIndex(F32, 23));
        }
        byte[] raw = Files.readAllBytes(f);
        try (GGUFFile g = GGUFFile.open(f)) {
            int paddingStart = (int) (g.dataStart() + 20);
            for (int i = paddingStart; i < g.dataStart() + 32; i++) {
                assertEquals(0, raw[i], "padding byte " + i);
            }
        }
    }

    @Test
    void customAlignmentIsHonoured() throws IOException {
        Path f = dir.resolve("a64.gguf");
        new GGUFWriter()
                .putUInt32("general.alignment", 64)
                .addTensor("a", GGMLType.F32, new long[] {3}, dst -> fillFloats(dst, 3))
                .addTensor("b", GGMLType.F32, new long[] {3}, dst -> fillFloats(dst, 3))
                .write(f);
        try (GGUFFile g = GGUFFile.open(f)) {
            assertEquals(0, g.dataStart() % 64);
            assertEquals(64, g.tensor("b").offset());
            assertEquals(2f, g.tensor("b").data().getAtIndex(F32, 2));
        }
        GGUFWriter bad = new GGUFWriter().putUInt32("general.alignment", 48);
        assertThrows(IllegalArgumentException.class, () -> bad.write(dir.resolve("bad.gguf")));
    }

    @Test
    void aTensorMayBeFilledFromManyThreads() throws IOException {
        Path f = dir.resolve("par.gguf");
        int n = 1 << 16;
        new GGUFWriter()
                .addTensor("big", GGMLType.F32, new long[] {256, n / 256}, dst ->
                        IntStream.range(0, n).parallel().forEach(i -> dst.setAtIndex(F32, i, i)))
                .write(f);
        try (GGUFFile g = GGUFFile.open(f)) {
            MemorySegment d = g.tensor("big").data();
            for (int i = 0; i < n; i += 997) {
                assertEquals(i, d.getAtIndex(F32, i));
            }
        }
    }

    @Test
    void badDeclarationsAreRejectedWithTheirName() {
        GGUFWriter w = new GGUFWriter().putString("k", "v");
        assertMessage("'k'", () -> w.putBool("k", true));
        assertMessage("300", () -> w.putInteger("u8", ValueType.UINT8, 300));
        assertMessage("'arr'", () -> w.putArray("arr", ValueType.FLOAT32, new int[] {1}));
        assertMessage("'nested'", () -> w.putArray("nested", ValueType.ARRAY, new int[] {1}));
        assertMessage("'neg'", () -> w.putArray("neg", ValueType.UINT32, new long[] {-1}));
        assertMessage("x".repeat(64), () -> w.addTensor("x".repeat(64), GGMLType.F32, new long[] {1}, d -> { }));
        assertMessage("'odd'", () -> w.addTensor("odd", GGMLType.Q4_K, new long[] {128, 2}, d -> { }));
        assertMessage("'flat'", () -> w.addTensor("flat", GGMLType.F32, new long[] {1, 1, 1, 1, 1}, d -> { }));
        w.addTensor("t", GGMLType.F32, new long[] {1}, d -> { });
        assertMessage("'t'", () -> w.addTensor("t", GGMLType.F32, new long[] {1}, d -> { }));
    }

    @Test
    void ioErrorsNameTheFile() {
        Path f = dir.resolve("missing-dir").resolve("x.gguf");
        IOException e = assertThrows(IOException.class, () -> new GGUFWriter().write(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    private static void fillFloats(MemorySegment dst, int n) {
        for (int i = 0; i < n; i++) {
            dst.setAtIndex(F32, i, i);
        }
    }

    private static void assertMessage(String part, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
