package dev.gemmaspark.engine.audio.decode;

import java.io.ByteArrayInputStream;
import java.util.concurrent.CancellationException;
import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.DecoderException;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;

/**
 * MPEG-1/2/2.5 audio layers I-III through JLayer, after a walk of our own over the frame headers.
 *
 * <p>JLayer drops a last frame that the file cuts short without a word ({@code Bitstream.readFrame} swallows its
 * INVALIDFRAME and then the end of the stream), so the walk finds the frames first: a frame that runs past the end
 * of the file, or fewer frames or bytes than the Xing/Info or VBRI header of the first frame declares, is a
 * truncated file. The walk also counts the samples, so a file over the length limits is refused before decoding.
 */
final class Mp3Decoder {
    private Mp3Decoder() {
    }

    /** An ID3v2 tag, or an MPEG audio frame sync (11 set bits) with a valid layer at the start. */
    static boolean matches(byte[] b) {
        if (b.length >= 3 && b[0] == 'I' && b[1] == 'D' && b[2] == '3') {
            return true;
        }
        return b.length >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x06) != 0;
    }

    static void decode(byte[] bytes, String name, PcmSink sink) throws AudioFormatException {
        Walk walk = walk(bytes, name);
        FrameHeader first = walk.first;
        sink.begin(first.channels, first.rate, walk.samples);
        Bitstream stream = new Bitstream(new ByteArrayInputStream(bytes));
        Decoder decoder = new Decoder();
        float[] block = new float[0];
        try {
            Header header;
            while ((header = stream.readFrame()) != null) {
                SampleBuffer buffer = (SampleBuffer) decoder.decodeFrame(header, stream);
                if (first.channels != buffer.getChannelCount() || first.rate != buffer.getSampleFrequency()) {
                    throw new AudioFormatException(name + ": MP3 stream changes format mid-file (" + first.channels
                            + " ch " + first.rate + " Hz, then " + buffer.getChannelCount() + " ch "
                            + buffer.getSampleFrequency() + " Hz)");
                }
                short[] pcm = buffer.getBuffer();
                int n = buffer.getBufferLength();
                if (block.length < n) {
                    block = new float[n];
                }
                for (int i = 0; i < n; i++) {
                    block[i] = pcm[i] / 32768f;
                }
                sink.write(block, n / first.channels);
                stream.closeFrame();
            }
        } catch (CancellationException e) {
            throw e;
        } catch (BitstreamException | DecoderException | RuntimeException e) {
            throw new AudioFormatException(name + ": cannot decode MP3: " + e, e);
        }
    }

    /** A frame header's fields (ISO/IEC 11172-3 section 2.4.2.3, 13818-3 for the lower rates). */
    private record FrameHeader(int version, int layer, int rate, int channels, int length, int samples,
            int sideInfo) {
    }

    /** The first frame's header and the samples per channel of all frames. */
    private record Walk(FrameHeader first, long samples) {
    }

    /** The header at {@code p}, or null where none starts: the same fields as JLayer's Header, from its tables. */
    private static FrameHeader header(byte[] b, int p) {
        if (p + 4 > b.length) {
            return null;
        }
        int h = (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
        int versionBits = (h >>> 19) & 3;
        int layer = 4 - ((h >>> 17) & 3);
        int bitrateIndex = (h >>> 12) & 15;
        int rateIndex = (h >>> 10) & 3;
        // Free format (bitrate index 0) has no length in its header; JLayer does not decode it either.
        if ((h >>> 21) != 0x7FF || versionBits == 1 || layer == 4 || bitrateIndex == 0 || bitrateIndex == 15
                || rateIndex == 3) {
            return null;
        }
        int version = versionBits == 3 ? Header.MPEG1 : versionBits == 2 ? Header.MPEG2_LSF : Header.MPEG25_LSF;
        int rate = Header.frequencies[version][rateIndex];
        int bitrate = Header.bitrates[version][layer - 1][bitrateIndex];
        int padding = (h >>> 9) & 1;
        int channels = ((h >>> 6) & 3) == 3 ? 1 : 2;
        boolean mpeg1 = version == Header.MPEG1;
        int length = layer == 1 ? (12 * bitrate / rate + padding) * 4
                : (layer == 3 && !mpeg1 ? 72 : 144) * bitrate / rate + padding;
        int samples = layer == 1 ? 384 : layer == 3 && !mpeg1 ? 576 : 1152;
        int sideInfo = layer != 3 ? 0 : mpeg1 ? (channels == 1 ? 17 : 32) : (channels == 1 ? 9 : 17);
        // The 16-bit CRC after the header when the protection bit is 0.
        int crc = ((h >>> 16) & 1) == 0 ? 2 : 0;
        return new FrameHeader(version, layer, rate, channels, length, samples, sideInfo + crc);
    }

    /**
     * Walks the frames as JLayer finds them: after an ID3v2 tag, from sync to sync, skipping bytes that start no
     * frame of the first frame's version, layer and rate (JLayer's strict sync).
     */
    private static Walk walk(byte[] b, String name) throws AudioFormatException {
        int p = 0;
        if (b.length >= 10 && b[0] == 'I' && b[1] == 'D' && b[2] == '3') {
            // Syncsafe size: 7 bits a byte; a footer (flag 0x10) adds 10 bytes more.
            int size = (b[6] & 0x7F) << 21 | (b[7] & 0x7F) << 14 | (b[8] & 0x7F) << 7 | (b[9] & 0x7F);
            p = 10 + size + ((b[5] & 0x10) != 0 ? 10 : 0);
        }
        FrameHeader first = null;
        int firstAt = -1;
        int end = -1;
        long frames = 0;
        long samples = 0;
        for (long steps = 1; p < b.length; steps++) {
            if (steps % Cancellation.EVERY == 0) {
                Cancellation.check(name);
            }
            FrameHeader h = header(b, p);
            if (h == null || (first != null && (h.version != first.version || h.layer != first.layer
                    || h.rate != first.rate))) {
                p++;
                continue;
            }
            if (p + h.length > b.length) {
                // The first frame, or one right after the last, that the file does not hold whole: the file was
                // cut. After other bytes it can be a chance sync in a trailing tag.
                if (first == null || p == end) {
                    throw new AudioFormatException(name + ": truncated MP3: the frame at byte " + p + " needs "
                            + h.length + " bytes, the file has " + (b.length - p));
                }
                p++;
                continue;
            }
            if (first == null) {
                first = h;
                firstAt = p;
            }
            frames++;
            samples += h.samples;
            AudioDecoder.checkLength(name, samples, h.channels, h.rate, true);
            p += h.length;
            end = p;
        }
        if (first == null) {
            throw new AudioFormatException(name + ": no MPEG audio frames");
        }
        checkDeclaredLength(b, firstAt, first, frames, end, name);
        return new Walk(first, samples);
    }

    /**
     * The frame and byte counts that encoders write into the first frame (LAME's and Xing's "Xing"/"Info" after
     * the side information, Fraunhofer's "VBRI" 32 bytes after the header) against those found: fewer is a file
     * cut at a frame boundary, which the walk cannot see otherwise. Encoders differ on whether the counts take in
     * the tag frame and the ID3v2 tag (LAME's do not), so the comparison counts both: a file short by one frame can
     * pass, a complete one is never refused.
     */
    private static void checkDeclaredLength(byte[] b, int at, FrameHeader first, long frames, long end, String name)
            throws AudioFormatException {
        int xing = at + 4 + first.sideInfo;
        int vbri = at + 4 + 32;
        String kind;
        long declaredFrames = -1;
        long declaredBytes = -1;
        if (xing + 16 <= b.length && (tag(b, xing, "Xing") || tag(b, xing, "Info"))) {
            kind = "Xing/Info";
            int flags = s32(b, xing + 4);
            int q = xing + 8;
            if ((flags & 1) != 0) {
                declaredFrames = s32(b, q) & 0xFFFFFFFFL;
                q += 4;
            }
            if ((flags & 2) != 0) {
                declaredBytes = s32(b, q) & 0xFFFFFFFFL;
            }
        } else if (vbri + 18 <= b.length && tag(b, vbri, "VBRI")) {
            kind = "VBRI";
            declaredBytes = s32(b, vbri + 10) & 0xFFFFFFFFL;
            declaredFrames = s32(b, vbri + 14) & 0xFFFFFFFFL;
        } else {
            return;
        }
        if (declaredFrames >= 0 && frames < declaredFrames || declaredBytes >= 0 && end < declaredBytes) {
            throw new AudioFormatException(name + ": truncated MP3: " + frames + " frames (" + end
                    + " bytes) present, its " + kind + " header declares " + declaredFrames + " frames ("
                    + declaredBytes + " bytes)");
        }
    }

    private static boolean tag(byte[] b, int p, String tag) {
        for (int i = 0; i < 4; i++) {
            if (b[p + i] != tag.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int s32(byte[] b, int p) {
        return (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }
}
