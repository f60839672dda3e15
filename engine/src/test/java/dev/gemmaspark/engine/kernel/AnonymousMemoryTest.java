package dev.gemmaspark.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class AnonymousMemoryTest {
    /** On Linux and macOS the memory comes zeroed from mmap, of the size asked, and holds what is written to it. */
    @Test
    void mapsZeroedWritableMemory() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        assumeTrue(os.contains("linux") || os.contains("mac"), "mmap is used on Linux and macOS only");
        long bytes = 3 * 4096 + 100;
        MemorySegment m = AnonymousMemory.map(bytes);
        assertNotNull(m);
        assertEquals(bytes, m.byteSize());
        for (long i = 0; i < bytes; i += 511) {
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, i));
        }
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8, 0x0123456789abcdefL);
        assertEquals(0x0123456789abcdefL, m.get(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8));
    }
}
