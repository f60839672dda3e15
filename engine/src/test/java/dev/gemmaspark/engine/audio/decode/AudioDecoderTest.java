package dev.gemmaspark.engine.audio.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.audio.AudioGolden;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioDecoderTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sine440_noise_1s", "chirp_2p3s", "short_0p19s", "speech_espeak", "long_32s"})
    void goldenWavsDecodeToTheReferenceWaveformBitForBit(String name) throws IOException {
        assertSameValues(AudioGolden.npy("inputs/" + name + ".npy").floats(),
                AudioDecoder.decode(AudioGolden.path("inputs/" + name + ".wav")));
    }

    @Test
    void losslessFlacDecodesToTheSameSamplesAsItsWav() throws IOException {
        assertSameValues(AudioGolden.npy("inputs/speech_espeak.npy").floats(),
                AudioDecoder.decode(AudioGolden.path("codecs/speech_espeak.flac")));

        PcmAudio wav = AudioDecoder.decodePcm(AudioGolden.path("codecs/sine440_48k_stereo_24bit.wav"));
        PcmAudio flac = AudioDecoder.decodePcm(AudioGolden.path("codecs/sine440_48k_stereo_24bit.flac"));
        assertEquals(2, flac.channels());
        assertEquals(48000, flac.sampleRate());
        assertEquals(12000, flac.frames());
        assertArrayEquals(wav.samples(), flac.samples());
        // Left is 440 Hz, right 660 Hz, both at -3 dB.
        assertEquals(Math.pow(10, -3 / 20.0), toneAmplitude(channel(flac, 0), 48000, 440), 2e-3);
        assertEquals(Math.pow(10, -3 / 20.0), toneAmplitude(channel(flac, 1), 48000, 660), 2e-3);
    }

    @Test
    void mp3sDecodeToTheirToneAtTheModelRate() throws IOException {
        for (String name : new String[] {"sine440_44k1_stereo.mp3", "sine440_16k_mono.mp3"}) {
            Path file = AudioGolden.path("codecs/" + name);
            PcmAudio pcm = AudioDecoder.decodePcm(file);
            assertEquals(name.contains("44k1") ? 44100 : 16000, pcm.sampleRate(), name);
            float[] mono = AudioDecoder.decode(file);
            assertEquals(pcm.frames() * 16000.0 / pcm.sampleRate(), mono.length, 1.0, name);
            // Encoder delay and padding are silence: measure the middle half second. libmad (sox) decodes both
            // files to amplitude 0.4750.
            float[] middle = Arrays.copyOfRange(mono, 4000, 12000);
            assertEquals(0.475, toneAmplitude(middle, 16000, 440), 0.003, name);
            assertTrue(residualRms(middle, 16000, 440) < 0.01, name);
        }
    }

    @Test
    void everyWavSampleFormatDecodesExactly() throws IOException {
        int[] values = {-32768, -1, 0, 1, 12345, 32767};
        float[] expected = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            expected[i] = values[i] / 32768f;
        }
        ByteBuffer u8 = le(values.length);
        ByteBuffer s24 = le(3 * values.length);
        ByteBuffer s32 = le(4 * values.length);
        ByteBuffer f32 = le(4 * values.length);
        ByteBuffer f64 = le(8 * values.length);
        for (int v : values) {
            u8.put((byte) ((v >> 8) + 128));
            int w = v << 8;
            s24.put((byte) w).put((byte) (w >> 8)).put((byte) (w >> 16));
            s32.putInt(v << 16);
            f32.putFloat(v / 32768f);
            f64.putDouble(v / 32768.0);
        }
        assertArrayEquals(expected, decodeWav(3, 32, f32.array()));
        assertArrayEquals(expected, decodeWav(3, 64, f64.array()));
        assertArrayEquals(expected, decodeWav(1, 32, s32.array()));
        assertArrayEquals(expected, decodeWav(1, 24, s24.array()));
        float[] eight = decodeWav(1, 8, u8.array());
        for (int i = 0; i < values.length; i++) {
            assertEquals((values[i] >> 8) / 128f, eight[i]);
        }
    }

    @Test
    void channelsAreAveraged() throws IOException {
        ByteBuffer data = le(2 * 3 * 4);
        float[][] frames = {{0.5f, -0.25f, 0.25f}, {1f, 0f, -1f}};
        for (float[] f : frames) {
            for (float v : f) {
                data.putFloat(v);
            }
        }
        byte[] file = wav(3, 3, 16000, 32, data.array());
        PcmAudio pcm = AudioDecoder.decodePcm(file, "three.wav");
        assertEquals(3, pcm.channels());
        assertArrayEquals(new float[] {0.5f / 3, 0f}, pcm.mono());
        assertArrayEquals(new float[] {0.5f / 3, 0f}, AudioDecoder.decode(file, "three.wav"));
    }

    @Test
    void badInputGivesErrorsNamingTheFile() throws IOException {
        byte[] speech = Files.readAllBytes(AudioGolden.path("inputs/speech_espeak.wav"));
        assertError(Arrays.copyOf(speech, speech.length / 2), "half.wav", "truncated");
        assertError(Arrays.copyOf(speech, 30), "header.wav", "truncated");
        byte[] flac = Files.readAllBytes(AudioGolden.path("codecs/speech_espeak.flac"));
        assertError(Arrays.copyOf(flac, flac.length / 2), "half.flac", "truncated");
        assertError("just some text, no audio".getBytes(), "notes.txt", "unknown audio format");
        assertError(new byte[0], "empty.wav", "empty");
        assertError(wav(1, 1, 16000, 16, new byte[0]), "silence.wav", "zero-length");
        assertError(wav(1, 1, 16000, 12, new byte[6]), "odd.wav", "unsupported WAV encoding");
        Path missing = dir.resolve("missing.mp3");
        var e = assertThrows(AudioFormatException.class, () -> AudioDecoder.decode(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    /** Equal values; the reference has -0.0 where the integer sample is 0. */
    private static void assertSameValues(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                assertEquals(expected[i], actual[i], "sample " + i);
            }
        }
    }

    private static void assertError(byte[] bytes, String name, String problem) {
        var e = assertThrows(AudioFormatException.class, () -> AudioDecoder.decode(bytes, name));
        assertTrue(e.getMessage().startsWith(name + ":") && e.getMessage().contains(problem), e.getMessage());
    }

    private static float[] decodeWav(int format, int bits, byte[] data) throws IOException {
        return AudioDecoder.decodePcm(wav(format, 1, 16000, bits, data), "t.wav").samples();
    }

    /** A canonical 44-byte-header WAV. */
    static byte[] wav(int format, int channels, int rate, int bits, byte[] data) {
        ByteBuffer b = le(44 + data.length);
        b.put("RIFF".getBytes()).putInt(36 + data.length).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) format).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        b.put("data".getBytes()).putInt(data.length).put(data);
        return b.array();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] channel(PcmAudio pcm, int c) {
        float[] out = new float[pcm.frames()];
        for (int i = 0; i < out.length; i++) {
            out[i] = pcm.samples()[i * pcm.channels() + c];
        }
        return out;
    }

    /** Amplitude of the least-squares fit a·sin + b·cos at {@code hz}. */
    static double toneAmplitude(float[] x, int rate, double hz) {
        double[] ab = fit(x, rate, hz);
        return Math.hypot(ab[0], ab[1]);
    }

    /** RMS of what the fitted tone leaves. */
    static double residualRms(float[] x, int rate, double hz) {
        double[] ab = fit(x, rate, hz);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double w = 2 * Math.PI * hz * i / rate;
            double r = x[i] - ab[0] * Math.sin(w) - ab[1] * Math.cos(w);
            sum += r * r;
        }
        return Math.sqrt(sum / x.length);
    }

    private static double[] fit(float[] x, int rate, double hz) {
        double ss = 0, cc = 0, sc = 0, xs = 0, xc = 0;
        for (int i = 0; i < x.length; i++) {
            double w = 2 * Math.PI * hz * i / rate;
            double s = Math.sin(w), c = Math.cos(w);
            ss += s * s;
            cc += c * c;
            sc += s * c;
            xs += x[i] * s;
            xc += x[i] * c;
        }
        double det = ss * cc - sc * sc;
        return new double[] {(xs * cc - xc * sc) / det, (xc * ss - xs * sc) / det};
    }
}
