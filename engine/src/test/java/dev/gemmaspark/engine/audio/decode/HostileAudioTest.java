package dev.gemmaspark.engine.audio.decode;

import static dev.gemmaspark.engine.audio.decode.AudioDecoderTest.wav;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.audio.AudioGolden;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Files made to hurt the decoder: each must cost one row an error, never the executor its heap, time or stdout. */
class HostileAudioTest {
    @Test
    void wavAtOneHertzIsRefusedBeforeAnythingIsAllocated() {
        // 70,000 samples at 1 Hz: resampled to 16 kHz that was 1.1 billion floats, an OutOfMemoryError.
        byte[] file = wav(1, 1, 1, 16, new byte[140_000]);
        String message = assertRefused(file, "one-hertz.wav");
        assertTrue(message.contains("sample rate 1 Hz") && message.contains("1000 to 384000 Hz"), message);
    }

    @Test
    void sampleRatesOutsideTheLimitsAreRefusedAndTheLimitsThemselvesAccepted() throws IOException {
        for (int rate : new int[] {999, 384_001}) {
            String message = assertRefused(wav(1, 1, rate, 16, new byte[200]), "r.wav");
            assertTrue(message.contains("sample rate " + rate + " Hz"), message);
        }
        for (int rate : new int[] {1000, 384_000}) {
            int n = rate / 20;
            float[] out = AudioDecoder.decode(wav(1, 1, rate, 16, constant16(n, 1, 8192)), "r.wav");
            assertEquals(Math.ceilDiv((long) n * 16_000, rate), out.length, "at " + rate + " Hz");
            // A constant stays constant away from the edges.
            assertEquals(0.25f, out[out.length / 2], 1e-4f, "at " + rate + " Hz");
        }
    }

    @Test
    void absurdChannelCountsAndBitDepthsAreRefused() {
        String message = assertRefused(wav(1, 65, 16000, 16, new byte[65 * 2 * 10]), "many.wav");
        assertTrue(message.contains("65 channels") && message.contains("1 to 64"), message);
        message = assertRefused(flac(16000, 3, 0, 1, 16, 0), "three-bit.flac");
        assertTrue(message.contains("3 bits per sample"), message);
    }

    @Test
    void aWavLongerThanTheLimitIsRefusedFromItsHeaderAlone() {
        // The header declares 3 hours and 1 second of 8 kHz 8-bit mono: 86 MB the file does not have.
        byte[] file = wav(1, 1, 8000, 8, new byte[16]);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(40, (AudioDecoder.MAX_SECONDS + 1) * 8000);
        String message = assertRefused(file, "long.wav");
        assertTrue(message.contains("3.0 hours") && message.contains("limit of 3 hours")
                && message.contains("MAX_SECONDS = 10800 s"), message);
    }

    @Test
    void aWavWithMoreSamplesThanTheLimitIsRefusedFromItsHeaderAlone() {
        // 2 hours of 96 kHz stereo: under the duration limit, over the samples one.
        byte[] file = wav(1, 2, 96_000, 16, new byte[16]);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 2 * 3600 * 96_000 * 4);
        String message = assertRefused(file, "hires.wav");
        assertTrue(message.contains("1382400000 samples") && message.contains("limit of 1036800000"), message);
    }

    @Test
    void theFlacBuilderMakesFilesThatDecode() throws IOException {
        // 200 frames of 16 samples: frame numbers of one and two bytes.
        float[] out = AudioDecoder.decode(flac(16000, 16, 200 * 16, 200, 16, 8192), "ok.flac");
        float[] expected = new float[200 * 16];
        Arrays.fill(expected, 0.25f);
        assertArrayEquals(expected, out);
    }

    @Test
    void bytesAfterTheLastFlacFrameAreIgnored() throws IOException {
        // An ID3v1 tag, as some taggers append to any file; with the length declared and without.
        byte[] tag = new byte[128];
        System.arraycopy("TAG".getBytes(), 0, tag, 0, 3);
        for (long total : new long[] {10 * 4096, 0}) {
            byte[] file = flac(16000, 16, total, 10, 4096, -8192);
            byte[] tagged = Arrays.copyOf(file, file.length + tag.length);
            System.arraycopy(tag, 0, tagged, file.length, tag.length);
            float[] out = AudioDecoder.decode(tagged, "tagged.flac");
            assertEquals(10 * 4096, out.length);
            assertEquals(-0.25f, out[10 * 4096 - 1]);
        }
    }

    @Test
    void aFlacBombIsRefusedFromItsFrameHeadersBeforeDecoding() {
        // 2,700 frames of 65,535 samples of one constant each, about 15 bytes a frame: 40 KB that decode to 3 h 4 min
        // at 16 kHz. STREAMINFO gives no length, so the frames are counted.
        byte[] bomb = flac(16000, 16, 0, 2700, 65_535, 0);
        assertTrue(bomb.length < 50_000, bomb.length + " bytes");
        String message = assertRefused(bomb, "bomb.flac");
        assertTrue(message.contains("at least 3.0 hours") && message.contains("limit of 3 hours"), message);

        // The same length declared by STREAMINFO is refused from the header.
        long declared = 2700L * 65_535;
        message = assertRefused(flac(16000, 16, declared, 1, 65_535, 0), "declared.flac");
        assertTrue(message.contains(declared + " samples at 16000 Hz") && !message.contains("at least"), message);
    }

    @Test
    void aFlacCutAtAFrameBoundaryIsTruncated() throws IOException {
        assertEquals(10 * 4096, AudioDecoder.decode(flac(16000, 16, 10 * 4096, 10, 4096, 0), "all.flac").length);
        // Nine of the ten frames that STREAMINFO declares.
        String message = assertRefused(flac(16000, 16, 10 * 4096, 9, 4096, 0), "cut.flac");
        assertTrue(message.contains("truncated FLAC: 36864 of 40960 samples present"), message);
    }

    @Test
    void aCorruptFlacFrameIsAnErrorAndPrintsNothing() throws IOException {
        byte[] flac = Files.readAllBytes(AudioGolden.path("codecs/speech_espeak.flac"));
        // Eight bytes inside the second audio frame. jFLAC alone decoded this without an error (it replaces the
        // frame by silence) and printed "readResidual elsecase, pEsc = 15" to System.out.
        for (int i = 17_952; i < 17_960; i++) {
            flac[i] ^= (byte) 0xA5;
        }
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        String message;
        System.setOut(new PrintStream(printed, true));
        try {
            message = assertRefused(flac, "corrupt.flac");
        } finally {
            System.setOut(out);
        }
        assertTrue(message.contains("corrupt FLAC: frame 1 (byte 13247) fails its CRC-16 check"), message);
        assertEquals("", printed.toString());
    }

    @Test
    void truncatedMp3sAreErrors() throws IOException {
        byte[] lame = Files.readAllBytes(AudioGolden.path("codecs/sine440_44k1_stereo.mp3"));
        String message = assertRefused(Arrays.copyOf(lame, lame.length - 100), "cut.mp3");
        assertTrue(message.contains("truncated MP3: the frame at byte 16717 needs 418 bytes, the file has 318"),
                message);
        // Cut between two frames: only the Info header of the LAME file knows.
        message = assertRefused(Arrays.copyOf(lame, 16_717), "boundary.mp3");
        assertTrue(message.contains("truncated MP3: 40 frames (16717 bytes) present, its Xing/Info header declares"
                + " 40 frames (17135 bytes)"), message);

        byte[] plain = Files.readAllBytes(AudioGolden.path("codecs/sine440_16k_mono.mp3"));
        message = assertRefused(Arrays.copyOf(plain, plain.length - 1), "cut16k.mp3");
        assertTrue(message.contains("truncated MP3: the frame at byte 4176 needs 144 bytes, the file has 143"),
                message);
    }

    @Test
    void anMp3LongerThanTheLimitIsRefusedFromItsFrameHeaders() {
        // MPEG-2.5 layer III, 8 kbps at 8 kHz mono: 72-byte frames of 576 samples, 10.8 MB for 3 hours.
        int frames = AudioDecoder.MAX_SECONDS * 8000 / 576 + 10;
        byte[] file = new byte[frames * 72];
        for (int f = 0; f < frames; f++) {
            file[f * 72] = (byte) 0xFF;
            file[f * 72 + 1] = (byte) 0xE3;
            file[f * 72 + 2] = (byte) 0x18;
            file[f * 72 + 3] = (byte) 0xC0;
        }
        String message = assertRefused(file, "long.mp3");
        assertTrue(message.contains("at least 3.0 hours") && message.contains("at 8000 Hz"), message);
    }

    @Test
    void anInterruptedThreadStopsDecodingWithTheInterruptFlagStillSet() throws IOException {
        byte[] wav = wav(1, 2, 44_100, 16, new byte[44_100 * 4 * 10]);
        byte[] flac = Files.readAllBytes(AudioGolden.path("codecs/speech_espeak.flac"));
        byte[] mp3 = Files.readAllBytes(AudioGolden.path("codecs/sine440_44k1_stereo.mp3"));
        for (byte[] file : new byte[][] {wav, flac, mp3}) {
            assertCancelled(() -> AudioDecoder.decode(file, "a"));
            assertCancelled(() -> AudioDecoder.decodePcm(file, "a"));
        }
    }

    static void assertCancelled(Executable work) {
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, work);
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    /** The message of the AudioFormatException, which must name the file. */
    private static String assertRefused(byte[] file, String name) {
        var e = assertThrows(AudioFormatException.class, () -> AudioDecoder.decode(file, name));
        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        return e.getMessage();
    }

    /** {@code frames} frames of 16-bit samples, every one {@code value}. */
    private static byte[] constant16(int frames, int channels, int value) {
        ByteBuffer b = ByteBuffer.allocate(frames * channels * 2).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            b.putShort((short) value);
        }
        return b.array();
    }

    /**
     * A mono FLAC (RFC 9639) of {@code frames} fixed-size frames of {@code blockSize} samples, each one CONSTANT
     * subframe of {@code value}; STREAMINFO declares {@code totalSamples} (0: unknown) and {@code bits} per sample.
     */
    static byte[] flac(int rate, int bits, long totalSamples, int frames, int blockSize, int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("fLaC".getBytes());
        ByteBuffer info = ByteBuffer.allocate(4 + 34);
        info.put((byte) 0x80).put((byte) 0).put((byte) 0).put((byte) 34);
        info.putShort((short) blockSize).putShort((short) blockSize).put(new byte[6]);
        // Sample rate (20 bits), channels - 1 (3), bits - 1 (5), total samples (36).
        long packed = (long) rate << 44 | (long) (bits - 1) << 36 | totalSamples;
        info.putLong(packed).put(new byte[16]);
        out.writeBytes(info.array());
        for (int f = 0; f < frames; f++) {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            // Sync and fixed block size; block size in 16 bits after the header, rate from STREAMINFO; mono,
            // 16 bits.
            frame.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xF8, (byte) 0x70, (byte) 0x08});
            frame.writeBytes(utf8(f));
            frame.write((blockSize - 1) >> 8);
            frame.write(blockSize - 1);
            frame.write(crc8(frame.toByteArray()));
            // CONSTANT subframe: type 0, no wasted bits, then the value in 16 bits.
            frame.write(0);
            frame.write(value >> 8);
            frame.write(value);
            int crc = crc16(frame.toByteArray());
            frame.write(crc >> 8);
            frame.write(crc);
            out.writeBytes(frame.toByteArray());
        }
        return out.toByteArray();
    }

    /** The frame number coded as in UTF-8 (RFC 9639 section 9.1.5), up to 65535. */
    private static byte[] utf8(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n < 0x800) {
            return new byte[] {(byte) (0xC0 | n >> 6), (byte) (0x80 | n & 0x3F)};
        }
        return new byte[] {(byte) (0xE0 | n >> 12), (byte) (0x80 | n >> 6 & 0x3F), (byte) (0x80 | n & 0x3F)};
    }

    /** CRC-8, polynomial 0x07, of the frame header. */
    private static int crc8(byte[] b) {
        int crc = 0;
        for (byte x : b) {
            crc ^= x & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc << 1 ^ ((crc & 0x80) != 0 ? 0x07 : 0)) & 0xFF;
            }
        }
        return crc;
    }

    /** CRC-16, polynomial 0x8005, of the frame. */
    private static int crc16(byte[] b) {
        int crc = 0;
        for (byte x : b) {
            crc ^= (x & 0xFF) << 8;
            for (int k = 0; k < 8; k++) {
                crc = (crc << 1 ^ ((crc & 0x8000) != 0 ? 0x8005 : 0)) & 0xFFFF;
            }
        }
        return crc;
    }
}
