package dev.gemmaspark.engine.audio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts 16 kHz audio longer than the encoder's 30 s into windows it can take. Each cut goes at the quietest 20 ms
 * of the last {@value #SEARCH_SECONDS} s before the window's limit; when that spot is silence the next window
 * starts right there, otherwise (speech runs through) the next window starts {@value #OVERLAP_SECONDS} s earlier,
 * so a word cut in two is heard whole by one of them.
 */
public final class LongAudio {
    public static final int MAX_WINDOW = LogMelFrontEnd.MAX_SAMPLES;
    static final double SEARCH_SECONDS = 5.0;
    static final double OVERLAP_SECONDS = 0.5;
    private static final int RATE = LogMelFrontEnd.SAMPLE_RATE;
    private static final int FRAME = RATE / 50;
    /** No window is left shorter than this at the end (the encoder rejects clips under 32 ms). */
    private static final int MIN_TAIL = RATE;
    /** A frame this much quieter than the loudest of the searched span counts as silence (-40 dB). */
    private static final double SILENCE_RATIO = 0.01;
    /** Peak level under which a whole recording is silent (-60 dBFS). */
    private static final float SILENT_PEAK = 1e-3f;

    /** Samples [start, end) of the recording. */
    public record Window(int start, int end) {
        public int length() {
            return end - start;
        }

        public float[] slice(float[] samples) {
            return Arrays.copyOfRange(samples, start, end);
        }
    }

    private LongAudio() {
    }

    /** Windows of at most 30 s covering all of {@code samples}, in order; one window when it is short enough. */
    public static List<Window> split(float[] samples) {
        return split(samples, MAX_WINDOW);
    }

    static List<Window> split(float[] samples, int maxWindow) {
        int search = (int) Math.min(maxWindow / 2, SEARCH_SECONDS * RATE);
        int overlap = (int) Math.min(search / 2, OVERLAP_SECONDS * RATE);
        List<Window> out = new ArrayList<>();
        int start = 0;
        int n = samples.length;
        while (n - start > maxWindow) {
            int hi = Math.min(start + maxWindow, n - MIN_TAIL);
            int lo = Math.max(start + overlap + FRAME, hi - search);
            Cut cut = quietest(samples, lo, hi);
            out.add(new Window(start, cut.at));
            start = cut.silent ? cut.at : cut.at - overlap;
        }
        out.add(new Window(start, n));
        return out;
    }

    /** True when no sample reaches -60 dBFS: nothing for the model to transcribe. */
    public static boolean isSilent(float[] samples) {
        for (float s : samples) {
            if (Math.abs(s) >= SILENT_PEAK) {
                return false;
            }
        }
        return true;
    }

    private record Cut(int at, boolean silent) {
    }

    /** The middle of the 20 ms frame of least energy ending in [lo, hi], and whether it is silence. */
    private static Cut quietest(float[] x, int lo, int hi) {
        double best = Double.MAX_VALUE;
        double loudest = 0;
        int bestEnd = hi;
        for (int end = hi; end - FRAME >= lo; end -= FRAME / 2) {
            double energy = 0;
            for (int i = end - FRAME; i < end; i++) {
                energy += (double) x[i] * x[i];
            }
            loudest = Math.max(loudest, energy);
            if (energy < best) {
                best = energy;
                bestEnd = end;
            }
        }
        return new Cut(bestEnd - FRAME / 2, best <= SILENCE_RATIO * SILENCE_RATIO * loudest);
    }
}
