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

    /** The channels averaged into one. */
    public float[] mono() {
        if (channels == 1) {
            return samples;
        }
        float[] out = new float[frames()];
        for (int i = 0; i < out.length; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += samples[i * channels + c];
            }
            out[i] = sum / channels;
        }
        return out;
    }
}
