package dev.gemmaspark.engine.audio;

/**
 * The log-mel spectrogram of one clip: {@code frames} rows of {@link LogMelFrontEnd#MEL_BINS} values, and which
 * frames are valid (their first sample is real audio, not padding).
 */
public record MelFeatures(int frames, float[] values, boolean[] valid) {
    public MelFeatures {
        if (values.length != frames * LogMelFrontEnd.MEL_BINS || valid.length != frames) {
            throw new IllegalArgumentException("features of " + frames + " frames need " + frames * LogMelFrontEnd.MEL_BINS
                    + " values and " + frames + " flags, got " + values.length + " and " + valid.length);
        }
    }
}
