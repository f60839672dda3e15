package dev.gemmaspark.engine.audio.decode;

/**
 * Where a decoder puts its samples, block by block: the decoder declares the format first ({@link #begin}), which
 * checks it against {@link AudioDecoder}'s limits, then writes blocks of interleaved samples ({@link #write}), each
 * checked against the length limits and the thread's interrupt flag before it is kept.
 */
abstract sealed class PcmSink {
    final String name;
    int channels;
    int rate;
    private long frames;

    PcmSink(String name) {
        this.name = name;
    }

    /**
     * The format, before any sample: {@code declaredFrames} is the length per channel that the header gives (after
     * it has been checked against the data) or -1 where it gives none.
     */
    final void begin(int channels, int rate, long declaredFrames) throws AudioFormatException {
        AudioDecoder.checkFormat(name, channels, rate);
        if (declaredFrames >= 0) {
            AudioDecoder.checkLength(name, declaredFrames, channels, rate, false);
        }
        this.channels = channels;
        this.rate = rate;
        start(declaredFrames);
    }

    /** {@code n} frames of {@code channels} interleaved samples from {@code block[0]}. */
    final void write(float[] block, int n) throws AudioFormatException {
        Cancellation.check(name);
        AudioDecoder.checkLength(name, frames + n, channels, rate, true);
        frames += n;
        accept(block, n);
    }

    /** Frames (samples per channel) written so far. */
    final long frames() {
        return frames;
    }

    abstract void start(long declaredFrames);

    abstract void accept(float[] block, int n);

    /** Every sample as decoded: {@link AudioDecoder#decodePcm}. */
    static final class Interleaved extends PcmSink {
        private FloatArray samples;

        Interleaved(String name) {
            super(name);
        }

        @Override
        void start(long declaredFrames) {
            samples = new FloatArray(declaredFrames >= 0 ? declaredFrames * channels : 1 << 16);
        }

        @Override
        void accept(float[] block, int n) {
            samples.add(block, 0, n * channels);
        }

        PcmAudio audio() {
            return new PcmAudio(samples.toArray(), channels, rate);
        }
    }

    /** The channels averaged and resampled as they arrive: {@link AudioDecoder#decode}. */
    static final class ModelRate extends PcmSink {
        private final int outputRate;
        private Resampler.Stream resampler;
        /** The output itself when the input is at the output rate already. */
        private FloatArray same;
        private float[] mono = new float[0];

        ModelRate(String name, int outputRate) {
            super(name);
            this.outputRate = outputRate;
        }

        @Override
        void start(long declaredFrames) {
            if (rate == outputRate) {
                same = new FloatArray(declaredFrames >= 0 ? declaredFrames : 1 << 16);
            } else {
                resampler = new Resampler.Stream(rate, outputRate, declaredFrames, name);
            }
        }

        @Override
        void accept(float[] block, int n) {
            float[] x = block;
            if (channels > 1) {
                if (mono.length < n) {
                    mono = new float[n];
                }
                PcmAudio.mix(block, channels, n, mono);
                x = mono;
            }
            if (same != null) {
                same.add(x, 0, n);
            } else {
                resampler.push(x, 0, n);
            }
        }

        float[] output() {
            return same != null ? same.toArray() : resampler.finish();
        }
    }
}
