package dev.gemmaspark.engine.audio.decode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** RIFF/WAVE: integer PCM of 8 (unsigned), 16, 24 or 32 bits, or IEEE float of 32 or 64 bits, plain or extensible. */
final class WavDecoder {
    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_FLOAT = 3;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;
    /** Size fields that streaming writers leave when they cannot seek back: "until the end of the file". */
    private static final long UNKNOWN_SIZE = 0xFFFFFFFFL;

    private WavDecoder() {
    }

    static boolean matches(byte[] b) {
        return b.length >= 12 && tag(b, 0).equals("RIFF") && tag(b, 8).equals("WAVE");
    }

    static void decode(byte[] bytes, String name, PcmSink sink) throws AudioFormatException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int format = -1;
        int channels = 0;
        int rate = 0;
        int bits = 0;
        int blockAlign = 0;
        int pos = 12;
        while (pos + 8 <= bytes.length) {
            String id = tag(bytes, pos);
            long size = b.getInt(pos + 4) & 0xFFFFFFFFL;
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (size < 16 || body + 16 > bytes.length) {
                    throw new AudioFormatException(name + ": truncated WAV fmt chunk");
                }
                format = b.getShort(body) & 0xFFFF;
                channels = b.getShort(body + 2) & 0xFFFF;
                rate = b.getInt(body + 4);
                blockAlign = b.getShort(body + 12) & 0xFFFF;
                bits = b.getShort(body + 14) & 0xFFFF;
                if (format == FORMAT_EXTENSIBLE) {
                    if (size < 40 || body + 26 > bytes.length) {
                        throw new AudioFormatException(name + ": truncated WAVE_FORMAT_EXTENSIBLE fmt chunk");
                    }
                    // The sub-format GUID starts with the plain format tag.
                    format = b.getShort(body + 24) & 0xFFFF;
                }
            } else if (id.equals("data")) {
                if (format < 0) {
                    throw new AudioFormatException(name + ": WAV data chunk before any fmt chunk");
                }
                long available = bytes.length - body;
                if (size == UNKNOWN_SIZE || (size == 0 && available > 0)) {
                    size = available;
                }
                int bytesPerSample = checkEncoding(format, channels, rate, bits, blockAlign, name);
                // The length the header declares is held against the limits first, then against the data: the
                // sink sizes its output from it.
                AudioDecoder.checkLength(name, size / blockAlign, channels, rate, false);
                if (size > available) {
                    throw new AudioFormatException(name + ": truncated WAV: the data chunk declares " + size
                            + " bytes, the file holds " + available);
                }
                sink.begin(channels, rate, size / blockAlign);
                samples(b, body, size / blockAlign, bytesPerSample, format == FORMAT_FLOAT, sink);
                return;
            }
            pos = (int) Math.min(bytes.length, body + size + (size & 1));
        }
        throw new AudioFormatException(name + ": truncated WAV: no data chunk");
    }

    /** The bytes per sample of a supported encoding. */
    private static int checkEncoding(int format, int channels, int rate, int bits, int blockAlign, String name)
            throws AudioFormatException {
        boolean pcm = format == FORMAT_PCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32);
        boolean flt = format == FORMAT_FLOAT && (bits == 32 || bits == 64);
        if (!pcm && !flt) {
            throw new AudioFormatException(name + ": unsupported WAV encoding (format tag " + format + ", " + bits
                    + " bits); supported are PCM 8/16/24/32-bit and IEEE float 32/64-bit");
        }
        // At least one channel: the block size is a divisor.
        AudioDecoder.checkFormat(name, channels, rate);
        int bytesPerSample = bits / 8;
        if (blockAlign != channels * bytesPerSample) {
            throw new AudioFormatException(name + ": bad WAV fmt chunk (" + channels + " channels, " + bits
                    + " bits, block " + blockAlign + " bytes)");
        }
        return bytesPerSample;
    }

    /** {@code frames} frames from {@code off}, block by block into the sink. */
    private static void samples(ByteBuffer b, int off, long frames, int bytesPerSample, boolean flt, PcmSink sink)
            throws AudioFormatException {
        int channels = sink.channels;
        int blockFrames = Math.max(1, Cancellation.EVERY / channels);
        float[] block = new float[blockFrames * channels];
        int p = off;
        for (long done = 0; done < frames; done += blockFrames) {
            int n = (int) Math.min(blockFrames, frames - done);
            for (int i = 0; i < n * channels; i++, p += bytesPerSample) {
                block[i] = switch (bytesPerSample) {
                    case 1 -> ((b.get(p) & 0xFF) - 128) / 128f;
                    case 2 -> b.getShort(p) / 32768f;
                    case 3 -> (((b.get(p + 2) << 16) | ((b.get(p + 1) & 0xFF) << 8) | (b.get(p) & 0xFF))) / 8388608f;
                    case 4 -> flt ? b.getFloat(p) : (float) (b.getInt(p) / 2147483648.0);
                    default -> (float) b.getDouble(p);
                };
            }
            sink.write(block, n);
        }
    }

    private static String tag(byte[] b, int off) {
        return new String(b, off, 4, StandardCharsets.ISO_8859_1);
    }
}
