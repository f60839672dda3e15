package dev.gemmaspark.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties to the even mantissa, 1.0
        assertEquals(1.0f, HalfFloats.roundToBf16(1f + 0x1p-8f), 0f);
        // 1.0078125 + 2^-8 is halfway between 1.0078125 (odd) and 1.015625 (even)
        assertEquals(1.015625f, HalfFloats.roundToBf16(1.0078125f + 0x1p-8f), 0f);
        assertEquals(1.0078125f, HalfFloats.roundToBf16(1f + 0x1p-8f + 0x1p-20f), 0f);
        assertEquals((short) 0x3F80, HalfFloats.toBf16(1f));
        assertEquals((short) 0xC000, HalfFloats.toBf16(-2f));
    }

    @Test
    void bf16KeepsNaNsQuiet() {
        float nan = Float.intBitsToFloat(0x7F800001); // signalling NaN whose payload is only in the low bits
        short h = HalfFloats.toBf16(nan);
        assertEquals((short) 0x7FC0, h);
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(h)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.roundToBf16(Float.POSITIVE_INFINITY), 0f);
    }

    @Test
    void f16RoundsToNearestEvenIncludingSubnormals() {
        assertEquals(1f, HalfFloats.roundToF16(1f + 0x1p-11f), 0f); // tie -> even
        assertEquals(1f + 0x1p-9f, HalfFloats.roundToF16(1f + 0x1p-10f + 0x1p-11f), 0f); // tie -> even (up)
        assertEquals(0x1p-24f, HalfFloats.roundToF16(0x1.8p-25f), 0f); // smallest subnormal
        assertEquals(0f, HalfFloats.roundToF16(0x1p-25f), 0f); // tie with zero -> zero
    }
}
