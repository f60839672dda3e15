package dev.gemmaspark.engine.audio;

import java.util.ArrayList;
import java.util.List;

/**
 * The Gemma 3n log-mel front end exactly as HF's {@code Gemma3nAudioFeatureExtractor} computes it with its
 * defaults: clips cut to 30 s and zero-padded to a multiple of 128 samples; frames of 513 samples every 160
 * without centring; HTK pre-emphasis 0.97 (which drops the 513th sample); a periodic Hann window of 512; the
 * magnitude of a 1024-point FFT; 128 HTK mel filters from 125 to 7600 Hz without area normalisation; the
 * natural log floored at 1e-5. Frame i is valid iff 160·i is below the clip's real length.
 *
 * <p>HF computes the frame, pre-emphasis and window in float32 (the window with NumPy's float32 cosine), which
 * this reproduces bit for bit; the FFT, filterbank and log run in double here (HF: float32 FFT, float64
 * filterbank and log), which moves results by about 1e-6.
 */
public final class LogMelFrontEnd {
    public static final int SAMPLE_RATE = 16_000;
    public static final int MEL_BINS = 128;
    /** HF's {@code max_length}: longer clips are cut. */
    public static final int MAX_SAMPLES = 480_000;
    public static final int HOP = 160;
    public static final int PAD_MULTIPLE = 128;
    static final int FRAME = 512;
    static final int FFT = 1024;
    /** A clip must be longer than one 513-sample window to give a frame. */
    public static final int MIN_SAMPLES = FRAME + 1;
    private static final float PREEMPHASIS = 0.97f;
    /** HF's {@code 1.0 - 0.97} in double, then rounded to float32 as NumPy does for a float32 array. */
    private static final float FIRST_SAMPLE_SCALE = (float) (1.0 - 0.97);
    private static final double MEL_FLOOR = 1e-5;
    private static final double F_MIN = 125.0;
    private static final double F_MAX = 7600.0;

    private static final float[] HANN = periodicHann(FRAME);
    private static final MelFilterBank MEL = MelFilterBank.htk(FFT / 2 + 1, F_MIN, F_MAX, MEL_BINS, SAMPLE_RATE, FFT);

    private final float[] window;

    public LogMelFrontEnd() {
        this.window = HANN;
    }

    /** The number of frames of a clip of {@code samples} samples (after HF's cut to 30 s). */
    public static int frameCount(int samples) {
        return framesOfPadded(paddedLength(Math.min(samples, MAX_SAMPLES)));
    }

    /** One clip alone: padded to a multiple of 128 samples. */
    public MelFeatures extract(float[] samples) {
        int n = Math.min(samples.length, MAX_SAMPLES);
        return features(samples, n, paddedLength(n));
    }

    /**
     * Several clips as HF pads them in one call: every clip to the longest (then to a multiple of 128), so all get
     * the same frame count, and frames past a clip's own end but before the common end are computed over zeros
     * (and still flagged valid while 160·i is below the clip's length).
     */
    public List<MelFeatures> extractBatch(List<float[]> clips) {
        int longest = 0;
        for (float[] c : clips) {
            longest = Math.max(longest, Math.min(c.length, MAX_SAMPLES));
        }
        int padded = paddedLength(longest);
        List<MelFeatures> out = new ArrayList<>(clips.size());
        for (float[] c : clips) {
            out.add(features(c, Math.min(c.length, MAX_SAMPLES), padded));
        }
        return out;
    }

    private MelFeatures features(float[] samples, int n, int padded) {
        int frames = framesOfPadded(padded);
        float[] values = new float[frames * MEL_BINS];
        boolean[] valid = new boolean[frames];
        float[] frame = new float[FRAME];
        double[] re = new double[FFT];
        double[] im = new double[FFT];
        double[] mag = new double[FFT / 2 + 1];
        double[] mel = new double[MEL_BINS];
        RealFft fft = new RealFft(FFT);
        for (int f = 0; f < frames; f++) {
            int start = f * HOP;
            valid[f] = start < n;
            frame[0] = sample(samples, n, start) * FIRST_SAMPLE_SCALE;
            for (int k = 1; k < FRAME; k++) {
                frame[k] = sample(samples, n, start + k) - PREEMPHASIS * sample(samples, n, start + k - 1);
            }
            for (int k = 0; k < FRAME; k++) {
                frame[k] *= window[k];
            }
            fft.magnitudes(frame, FRAME, re, im, mag);
            MEL.apply(mag, mel);
            for (int m = 0; m < MEL_BINS; m++) {
                values[f * MEL_BINS + m] = (float) Math.log(Math.max(mel[m], MEL_FLOOR));
            }
        }
        return new MelFeatures(frames, values, valid);
    }

    private static float sample(float[] samples, int n, int i) {
        return i < n ? samples[i] : 0f;
    }

    private static int paddedLength(int n) {
        return (n + PAD_MULTIPLE - 1) / PAD_MULTIPLE * PAD_MULTIPLE;
    }

    private static int framesOfPadded(int padded) {
        return padded < FRAME + 1 ? 0 : (padded - FRAME - 1) / HOP + 1;
    }

    /** {@code 0.5 * (1 - cos(2 pi k / n))} evaluated in float32 as NumPy does for HF's float32 arange. */
    static float[] periodicHann(int n) {
        float twoPi = (float) (2 * Math.PI);
        float[] w = new float[n];
        for (int k = 0; k < n; k++) {
            float angle = twoPi * k / n;
            w[k] = 0.5f * (1f - Float32Cosine.cos(angle));
        }
        return w;
    }
}
