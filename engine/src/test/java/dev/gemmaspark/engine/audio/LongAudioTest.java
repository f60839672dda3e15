package dev.gemmaspark.engine.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.audio.LongAudio.Window;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongAudioTest {
    private static final int RATE = 16000;

    @Test
    void shortAudioIsOneWindow() {
        List<Window> w = LongAudio.split(new float[RATE * 30]);
        assertEquals(List.of(new Window(0, RATE * 30)), w);
    }

    @Test
    void cutsFallInsideTheSilencesWithoutOverlap() {
        // 75 s of noise with 300 ms gaps of silence at 10 s, 27 s and 55 s. The first window searches 25-30 s and
        // cuts in the 27 s gap; the second, from there, searches 52-57 s and cuts in the 55 s gap.
        float[] x = noise(75 * RATE, 0.3f);
        int[] gaps = {10, 27, 55};
        for (int g : gaps) {
            java.util.Arrays.fill(x, g * RATE, g * RATE + RATE * 3 / 10, 0f);
        }
        List<Window> windows = LongAudio.split(x);
        assertCovers(windows, x.length);
        assertEquals(3, windows.size());
        for (int i = 0; i < 2; i++) {
            int cut = windows.get(i).end();
            int gap = gaps[i + 1] * RATE;
            assertTrue(cut > gap && cut < gap + RATE * 3 / 10, "cut at " + cut / (double) RATE + " s");
            assertEquals(cut, windows.get(i + 1).start());
        }
    }

    @Test
    void continuousSoundIsCutWithOverlap() {
        float[] x = noise(70 * RATE, 0.3f);
        List<Window> windows = LongAudio.split(x);
        assertCovers(windows, x.length);
        assertEquals(3, windows.size());
        for (int i = 0; i + 1 < windows.size(); i++) {
            assertEquals(RATE / 2, windows.get(i).end() - windows.get(i + 1).start());
        }
    }

    @Test
    void noTinyLastWindow() {
        List<Window> windows = LongAudio.split(noise(30 * RATE + 100, 0.3f));
        assertEquals(2, windows.size());
        assertTrue(windows.get(1).length() >= RATE);
    }

    @Test
    void silenceIsRecognised() {
        assertTrue(LongAudio.isSilent(new float[RATE]));
        assertTrue(LongAudio.isSilent(noise(RATE, 1e-4f)));
        assertFalse(LongAudio.isSilent(AudioGolden.npy("inputs/speech_espeak.npy").floats()));
    }

    private static void assertCovers(List<Window> windows, int n) {
        assertEquals(0, windows.get(0).start());
        assertEquals(n, windows.get(windows.size() - 1).end());
        for (int i = 0; i < windows.size(); i++) {
            Window w = windows.get(i);
            assertTrue(w.length() <= LongAudio.MAX_WINDOW && w.length() > 0, w.toString());
            if (i > 0) {
                assertTrue(w.start() <= windows.get(i - 1).end() && w.start() > windows.get(i - 1).start(), w.toString());
            }
        }
    }

    private static float[] noise(int n, float amplitude) {
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (amplitude * (2 * r.nextDouble() - 1));
        }
        return x;
    }
}
