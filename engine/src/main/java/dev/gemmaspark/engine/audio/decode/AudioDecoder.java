package dev.gemmaspark.engine.audio.decode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decodes WAV, FLAC and MP3 (recognised by their content, not their name) to what the Gemma 3n audio front end
 * takes: mono float samples at {@value #MODEL_RATE} Hz. Every error names the file or the name given with the bytes.
 */
public final class AudioDecoder {
    public static final int MODEL_RATE = 16_000;

    private AudioDecoder() {
    }

    /** The file as mono {@value #MODEL_RATE} Hz samples. */
    public static float[] decode(Path file) throws IOException {
        return decode(read(file), file.toString());
    }

    /** The bytes of a file as mono {@value #MODEL_RATE} Hz samples; {@code name} is used in error messages. */
    public static float[] decode(byte[] bytes, String name) throws AudioFormatException {
        PcmAudio pcm = decodePcm(bytes, name);
        return Resampler.resample(pcm.mono(), pcm.sampleRate(), MODEL_RATE);
    }

    /** The file at its own sample rate and channel count. */
    public static PcmAudio decodePcm(Path file) throws IOException {
        return decodePcm(read(file), file.toString());
    }

    /** The bytes of a file at their own sample rate and channel count. */
    public static PcmAudio decodePcm(byte[] bytes, String name) throws AudioFormatException {
        if (bytes.length == 0) {
            throw new AudioFormatException(name + ": empty file (zero bytes)");
        }
        PcmAudio pcm;
        if (WavDecoder.matches(bytes)) {
            pcm = WavDecoder.decode(bytes, name);
        } else if (FlacDecoder.matches(bytes)) {
            pcm = FlacDecoder.decode(bytes, name);
        } else if (Mp3Decoder.matches(bytes)) {
            pcm = Mp3Decoder.decode(bytes, name);
        } else {
            throw new AudioFormatException(name + ": unknown audio format (not WAV, FLAC or MP3)");
        }
        if (pcm.frames() == 0) {
            throw new AudioFormatException(name + ": no audio samples (zero-length audio)");
        }
        return pcm;
    }

    private static byte[] read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new AudioFormatException(file + ": no such audio file");
        }
        return Files.readAllBytes(file);
    }
}
