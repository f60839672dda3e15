package dev.gemmaspark.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gemmaspark.engine.gguf.GGMLType;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Hand-made blocks of every type, with the expected values written from the spec's formulas (section 2.2):
 * spot values are spelled out, the rest follow from the same formula evaluated here in plain code.
 */
class DequantizerTest {

    private static float[] dequantize(GGMLType type, MemorySegment block) {
        float[] out = new float[type.blockSize];
        Dequantizer.dequantize(type, block, 0, out, 0, type.blockSize);
        return out;
    }

    /** qs[j]: element j in the low nibble, element j+16 in the high nibble. */
    private static BlockBuilder nibbles(BlockBuilder b) {
        for (int j = 0; j < 16; j++) {
            b.u8(j | ((15 - j) << 4));
        }
        return b;
    }

    @Test
    void q4_0() {
        float[] y = dequantize(GGMLType.Q4_0, nibbles(new BlockBuilder(18).f16(0.5f)).build());
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            expected[j] = (j - 8) * 0.5f;
            expected[j + 16] = (7 - j) * 0.5f;
        }
        assertArrayEquals(expected, y, 0f);
        assertEquals(-4f, y[0], 0f);
        assertEquals(3.5f, y[15], 0f);
        assertEquals(3.5f, y[16], 0f);
    }

    @Test
    void q4_1() {
        float[] y = dequantize(GGMLType.Q4_1, nibbles(new BlockBuilder(20).f16(0.25f).f16(-1f)).build());
        for (int j = 0; j < 16; j++) {
            assertEquals(j * 0.25f - 1f, y[j], 0f);
            assertEquals((15 - j) * 0.25f - 1f, y[j + 16], 0f);
        }
        assertEquals(-1f, y[0], 0f);
        assertEquals(2.75f, y[16], 0f);
    }

    @Test
    void q5_0() {
        int qh = 0xAAAA5555; // bits 0,2,..,14 and 17,19,..,31 set
        float[] y = dequantize(GGMLType.Q5_0, nibbles(new BlockBuilder(22).f16(2f).u32(qh)).build());
        for (int j = 0; j < 16; j++) {
            assertEquals(((j | (((qh >>> j) & 1) << 4)) - 16) * 2f, y[j], 0f);
            assertEquals((((15 - j) | (((qh >>> (j + 16)) & 1) << 4)) - 16) * 2f, y[j + 16], 0f);
        }
        assertEquals(0f, y[0], 0f); // 0 | 16, minus 16
        assertEquals(-30f, y[1], 0f); // 1, no fifth bit
        assertEquals(-2f, y[16], 0f); // 15, bit 16 clear
        assertEquals(28f, y[17], 0f); // 14 | 16
    }

    @Test
    void q5_1() {
        int qh = 0x0000FFFF;
        float[] y = dequantize(GGMLType.Q5_1, nibbles(new BlockBuilder(24).f16(0.5f).f16(-8f).u32(qh)).build());
        for (int j = 0; j < 16; j++) {
            assertEquals((j + 16) * 0.5f - 8f, y[j], 0f);
            assertEquals((15 - j) * 0.5f - 8f, y[j + 16], 0f);
        }
        assertEquals(0f, y[0], 0f);
        assertEquals(7.5f, y[15], 0f);
    }

    @Test
    void q8_0() {
        BlockBuilder b = new BlockBuilder(34).f16(0.125f);
        for (int j = 0; j < 32; j++) {
            b.u8(j - 16);
        }
        float[] y = dequantize(GGMLType.Q8_0, b.build());
        for (int j = 0; j < 32; j++) {
            assertEquals((j - 16) * 0.125f, y[j], 0f);
        }
        assertEquals(-2f, y[0], 0f);
    }

    @Test
    void q2_K() {
        BlockBuilder b = new BlockBuilder(84);
        for (int k = 0; k < 16; k++) {
            b.u8(k | ((15 - k) << 4)); // scale k, min 15-k
        }
        for (int i = 0; i < 64; i++) {
            b.u8(0xE4); // 2-bit fields 0,1,2,3 from the lowest: shift j reads value j
        }
        float[] y = dequantize(GGMLType.Q2_K, b.f16(0.5f).f16(0.25f).build());
        for (int e = 0; e < 256; e++) {
            int h = e / 128;
            int j = e % 128 / 32;
            int k = 8 * h + 2 * j + e % 32 / 16;
            assertEquals(0.5f * k * j - 0.25f * (15 - k), y[e], 0f, "element " + e);
        }
        assertEquals(-3.75f, y[0], 0f);
        assertEquals(-2.25f, y[40], 0f);
        assertEquals(22.5f, y[255], 0f);
    }

    @Test
    void q3_K() {
        int[] scales = new int[16];
        for (int k = 0; k < 16; k++) {
            scales[k] = k + 24; // signed scale k - 8
        }
        BlockBuilder b = new BlockBuilder(110);
        for (int l = 0; l < 32; l++) {
            b.u8(0x0F); // hmask bits 0..3 set: the first half keeps its values, the second half subtracts 4
        }
        for (int i = 0; i < 64; i++) {
            b.u8(0xE4);
        }
        for (int s : BlockBuilder.packQ3kScales(scales)) {
            b.u8(s);
        }
        float[] y = dequantize(GGMLType.Q3_K, b.f16(0.5f).build());
        for (int e = 0; e < 256; e++) {
            int h = e / 128;
            int j = e % 128 / 32;
            int k = 8 * h + 2 * j + e % 32 / 16;
            assertEquals(0.5f * (k - 8) * (j - (h == 0 ? 0 : 4)), y[e], 0f, "element " + e);
        }
        assertEquals(-3f, y[32], 0f); // k=2: 0.5*(-6)*1
        assertEquals(-3.5f, y[255], 0f); // k=15: 0.5*7*(3-4)
        assertEquals(-3f, y[160], 0f); // second half, k=10: 0.5*2*(1-4)
    }

    @Test
    void q4_K() {
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = 8 * j + 5;
            m[j] = 63 - 8 * j;
        }
        BlockBuilder b = new BlockBuilder(144).f16(0.5f).f16(0.25f);
        for (int s : BlockBuilder.packQ4kScales(sc, m)) {
            b.u8(s);
        }
        for (int i = 0; i < 128; i++) {
            b.u8((i & 15) | ((15 - (i & 15)) << 4));
        }
        float[] y = dequantize(GGMLType.Q4_K, b.build());
        for (int e = 0; e < 256; e++) {
            int sub = e / 32;
            int l = e % 32;
            int nib = sub % 2 == 0 ? l & 15 : 15 - (l & 15);
            assertEquals(0.5f * sc[sub] * nib - 0.25f * m[sub], y[e], 0f, "element " + e);
        }
        assertEquals(-15.75f, y[0], 0f);
        assertEquals(77.25f, y[33], 0f); // sub-block 1: sc 13, m 55, nibble 14
        assertEquals(0.5f * 61 * 15 - 0.25f * 7, y[224], 0f); // sub-block 7, high nibble 15
    }

    @Test
    void q5_K() {
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = 63 - 7 * j;
            m[j] = 7 * j + 1;
        }
        BlockBuilder b = new BlockBuilder(176).f16(0.25f).f16(0.5f);
        for (int s : BlockBuilder.packQ4kScales(sc, m)) {
            b.u8(s);
        }
        for (int l = 0; l < 32; l++) {
            b.u8(l * 37); // qh[l]: bit g adds 16 to element l of sub-block g
        }
        for (int i = 0; i < 128; i++) {
            b.u8((i & 15) | ((15 - (i & 15)) << 4));
        }
        float[] y = dequantize(GGMLType.Q5_K, b.build());
        for (int e = 0; e < 256; e++) {
            int sub = e / 32;
            int l = e % 32;
            int q = (sub % 2 == 0 ? l & 15 : 15 - (l & 15)) + (((l * 37) >>> sub) & 1) * 16;
            assertEquals(0.25f * sc[sub] * q - 0.5f * m[sub], y[e], 0f, "element " + e);
        }
        assertEquals(-0.5f, y[0], 0f); // qh[0] = 0: nibble 0
        assertEquals(0.25f * 63 * 17 - 0.5f, y[1], 0f); // qh[1] = 37 has bit 0: 1 + 16
    }

    @Test
    void q6_K() {
        BlockBuilder b = new BlockBuilder(210);
        for (int i = 0; i < 128; i++) {
            b.u8((i % 16) | ((15 - i % 16) << 4));
        }
        for (int i = 0; i < 64; i++) {
            b.u8(0xE4); // high 2 bits: 0 for q1, 1 for q2, 2 for q3, 3 for q4
        }
        for (int k = 0; k < 16; k++) {
            b.u8(k - 8);
        }
        float[] y = dequantize(GGMLType.Q6_K, b.f16(0.25f).build());
        for (int e = 0; e < 256; e++) {
            int h = e / 128;
            int quarter = e % 128 / 32;
            int l = e % 32;
            int ql = (quarter % 2 == 0 ? l : l + 32) % 16;
            int low = quarter < 2 ? ql : 15 - ql;
            int q = low | (quarter << 4);
            int scale = 8 * h + l / 16 + 2 * quarter - 8;
            assertEquals(0.25f * scale * (q - 32), y[e], 0f, "element " + e);
        }
        assertEquals(64f, y[0], 0f); // 0.25 * -8 * (0 - 32)
        assertEquals(28f, y[255], 0f); // last scale 7, q4 = (15 - 15) | 48
    }

    @Test
    void halfAndFullFloats() {
        MemorySegment f16 = new BlockBuilder(4).f16(-2.5f).f16(65504f).build();
        float[] y = new float[2];
        Dequantizer.dequantize(GGMLType.F16, f16, 0, y, 0, 2);
        assertArrayEquals(new float[] {-2.5f, 65504f}, y, 0f);
        MemorySegment bf16 = new BlockBuilder(4).u8(0xC0).u8(0x3F).u8(0x80).u8(0xBF).build(); // 0x3FC0 = 1.5, 0xBF80 = -1
        Dequantizer.dequantize(GGMLType.BF16, bf16, 0, y, 0, 2);
        assertArrayEquals(new float[] {1.5f, -1f}, y, 0f);
        MemorySegment f32 = MemorySegment.ofArray(new float[] {3.25f, -7f});
        Dequantizer.dequantize(GGMLType.F32, f32, 0, y, 0, 2);
        assertArrayEquals(new float[] {3.25f, -7f}, y, 0f);
    }

    @Test
    void rejectsPartialBlocks() {
        assertThrows(IllegalArgumentException.class,
                () -> Dequantizer.dequantize(GGMLType.Q4_K, MemorySegment.ofArray(new byte[144]), 0, new float[256], 0, 100));
    }
}
