package dev.gemmaspark.engine.audio.decode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/**
 * Decodes WAV, FLAC and MP3 (recognised by their content, not their name) to what the Gemma 3n audio front end
 * takes: mono float samples at {@value #MODEL_RATE} Hz. Every error names the file or the name given with the bytes.
 *
 * <p>The input is untrusted (a row of a table): what a header declares is checked against the limits below before
 * anything is allocated for it, and decoding stops as soon as the decoded audio passes them, so a small file that
 * claims or compresses to days of audio costs an {@link AudioFormatException}, not the executor's heap.
 * {@link #decode} streams: the channels are averaged and resampled block by block as the decoder produces them,
 * so its memory is the input plus the 16 kHz output, whatever the file's own rate and channel count.
 *
 * <p>Decoding checks the thread's interrupt flag every few thousand samples and frames and then throws
 * {@link CancellationException}, leaving the flag set: a Spark task killed with thread interruption stops within
 * milliseconds instead of finishing an hour of audio. That exception is not a bad row; callers that turn
 * decoding errors into per-row errors should let it through.
 */
public final class AudioDecoder {
    public static final int MODEL_RATE = 16_000;
    /**
     * The longest recording decoded: 3 hours. Its result at {@value #MODEL_RATE} Hz mono float is 172.8 million
     * samples, 691 MB, the most one row holds once decoded (a batch of rows holds theirs together); a longer
     * recording is better cut before it reaches the job. Files that declare or decode to more are refused.
     */
    public static final int MAX_SECONDS = 3 * 60 * 60;
    /**
     * The most samples, all channels counted, a recording may decode to: 3 hours of 48 kHz stereo (1,036,800,000).
     * Decoding and resampling cost time in proportion to these, not to the duration: without this bound a 3 MB
     * FLAC of 8-channel 384 kHz silence would cost 33 billion samples for its 3 hours. Recordings above 48 kHz
     * stereo are limited by it to less than 3 hours (1.5 hours at 96 kHz stereo).
     */
    public static final long MAX_SAMPLES = (long) MAX_SECONDS * 48_000 * 2;
    /** Lowest sample rate accepted: below 1 kHz there is no speech band left to transcribe. */
    public static final int MIN_SAMPLE_RATE = 1_000;
    /** Highest sample rate accepted: 384 kHz, the highest that recorders and DACs offer. */
    public static final int MAX_SAMPLE_RATE = 384_000;
    /**
     * Most channels accepted: FLAC allows 8 and MP3 2, WAV's field 65535; 64 covers multichannel and
     * microphone-array recordings (all channels are averaged into one).
     */
    public static final int MAX_CHANNELS = 64;

    private AudioDecoder() {
    }

    /** The file as mono {@value #MODEL_RATE} Hz samples. */
    public static float[] decode(Path file) throws IOException {
        return decode(read(file), file.toString());
    }

    /**
     * The bytes of a file as mono {@value #MODEL_RATE} Hz samples; {@code name} is used in error messages.
     *
     * @throws AudioFormatException when the bytes are not audio this decodes, are truncated or corrupt, or exceed
     *         the limits above
     * @throws CancellationException when the thread is interrupted (its interrupt flag stays set)
     */
    public static float[] decode(byte[] bytes, String name) throws AudioFormatException {
        return decodeInto(bytes, name, new PcmSink.ModelRate(name, MODEL_RATE)).output();
    }

    /** The file at its own sample rate and channel count. */
    public static PcmAudio decodePcm(Path file) throws IOException {
        return decodePcm(read(file), file.toString());
    }

    /**
     * The bytes of a file at their own sample rate and channel count. Unlike {@link #decode} this holds every
     * sample of every channel, 4 bytes each, up to {@link #MAX_SAMPLES} of them.
     *
     * @throws AudioFormatException as {@link #decode(byte[], String)}
     * @throws CancellationException when the thread is interrupted (its interrupt flag stays set)
     */
    public static PcmAudio decodePcm(byte[] bytes, String name) throws AudioFormatException {
        return decodeInto(bytes, name, new PcmSink.Interleaved(name)).audio();
    }

    private static <S extends PcmSink> S decodeInto(byte[] bytes, String name, S sink) throws AudioFormatException {
        if (bytes.length == 0) {
            throw new AudioFormatException(name + ": empty file (zero bytes)");
        }
        if (WavDecoder.matches(bytes)) {
            WavDecoder.decode(bytes, name, sink);
        } else if (FlacDecoder.matches(bytes)) {
            FlacDecoder.decode(bytes, name, sink);
        } else if (Mp3Decoder.matches(bytes)) {
            Mp3Decoder.decode(bytes, name, sink);
        } else {
            throw new AudioFormatException(name + ": unknown audio format (not WAV, FLAC or MP3)");
        }
        if (sink.frames() == 0) {
            throw new AudioFormatException(name + ": no audio samples (zero-length audio)");
        }
        return sink;
    }

    /** Refuses a sample rate or channel count outside the limits above. */
    static void checkFormat(String name, int channels, int rate) throws AudioFormatException {
        if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
            throw new AudioFormatException(name + ": sample rate " + Integer.toUnsignedString(rate)
                    + " Hz is outside the supported " + MIN_SAMPLE_RATE + " to " + MAX_SAMPLE_RATE + " Hz");
        }
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw new AudioFormatException(name + ": " + channels + " channels; supported are 1 to " + MAX_CHANNELS);
        }
    }

    /**
     * Refuses {@code frames} samples per channel (declared by a header, or counted so far while decoding when
     * {@code atLeast}) that pass {@link #MAX_SECONDS} or {@link #MAX_SAMPLES}.
     */
    static void checkLength(String name, long frames, int channels, int rate, boolean atLeast)
            throws AudioFormatException {
        String amount = atLeast ? "at least " : "";
        if (frames > (long) MAX_SECONDS * rate) {
            throw new AudioFormatException(String.format(Locale.ROOT,
                    "%s: %s%.1f hours of audio (%d samples at %d Hz) is longer than the limit of %d hours"
                            + " (AudioDecoder.MAX_SECONDS = %d s)",
                    name, amount, frames / (3600.0 * rate), frames, rate, MAX_SECONDS / 3600, MAX_SECONDS));
        }
        if (frames > MAX_SAMPLES / channels) {
            throw new AudioFormatException(String.format(Locale.ROOT,
                    "%s: %s%d samples (%d channels at %d Hz) are more than the limit of %d"
                            + " (AudioDecoder.MAX_SAMPLES: 3 hours of 48 kHz stereo)",
                    name, amount, frames * channels, channels, rate, MAX_SAMPLES));
        }
    }

    private static byte[] read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new AudioFormatException(file + ": no such audio file");
        }
        long size = Files.size(file);
        // Files.readAllBytes throws OutOfMemoryError past the largest array.
        if (size > Integer.MAX_VALUE - 8) {
            throw new AudioFormatException(file + ": " + size + " bytes, more than the 2 GiB an audio file may have");
        }
        return Files.readAllBytes(file);
    }
}
