package dev.gemmaspark.engine.audio.decode;

/**
 * Decoded audio at its own rate: {@code samples} holds {@code channels} interleaved channels, full scale ±1.
 */
public record PcmAudio(float[] samples, int channels, int sampleRate) {
    public PcmAudio {
        if (channels < 1 || sampleRate < 1 || samples.length % channels != 0) {
            throw new IllegalArgumentException("bad PCM layout: " + samples.length + " samples, " + channels
                    + " channels, " + sampleRate + " Hz");
        }
    }

    public int frames() {
        return samples.length / channels;
    }

    public double seconds() {
        return (double) frames() / sampleRate;
    }

    /**
     * The channels averaged into one.
     *
     * @throws java.util.concurrent.CancellationException when the thread is interrupted (the flag stays set)
     */
    public float[] mono() {
        if (channels == 1) {
            return samples;
        }
        float[] out = new float[frames()];
        for (int i = 0; i < out.length; i += Cancellation.EVERY) {
            Cancellation.check("mixing audio channels");
            int n = Math.min(Cancellation.EVERY, out.length - i);
            mix(samples, i * channels, channels, n, out, i);
        }
        return out;
    }

    /** Frames {@code [0, n)} of {@code interleaved}, averaged into {@code out[0, n)}. */
    static void mix(float[] interleaved, int channels, int n, float[] out) {
        mix(interleaved, 0, channels, n, out, 0);
    }

    private static void mix(float[] interleaved, int from, int channels, int n, float[] out, int to) {
        for (int i = 0; i < n; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += interleaved[from + i * channels + c];
            }
            out[to + i] = sum / channels;
        }
    }
}
