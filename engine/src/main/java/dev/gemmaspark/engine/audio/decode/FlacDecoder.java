package dev.gemmaspark.engine.audio.decode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import org.jflac.ChannelData;
import org.jflac.FLACDecoder;
import org.jflac.FrameListener;
import org.jflac.frame.Frame;
import org.jflac.metadata.Metadata;
import org.jflac.util.CRC16;

/**
 * FLAC through jFLAC, after a scan of our own that finds every frame and checks it (RFC 9639: header CRC-8, frame
 * CRC-16, format consistent with STREAMINFO) and counts the samples before jFLAC decodes anything.
 *
 * <p>The scan is there because jFLAC alone is not fit for untrusted input: it replaces a frame that fails its CRC by
 * silence and goes on (reporting it only to frame listeners), it takes a cut file for a short one, and while it
 * decodes corrupt residuals it prints {@code readResidual elsecase} to System.out
 * ({@code org.jflac.frame.EntropyPartitionedRice.readResidual}, on every escape-coded partition). So jFLAC is only
 * given frames that passed their CRC. Swapping System.out to hide that line would race with every other thread of
 * the executor; valid files never take that path, as libFLAC does not write escape codes
 * ({@code FLAC__stream_encoder_set_do_escape_coding} in xiph/flac's stream_encoder.c ignores its argument outside
 * fuzzing builds). Counting the samples from the frame headers first also stops a small file that holds hours of
 * well-compressed silence before a sample of it is decoded. jFLAC reads only STREAMINFO and the checked frames:
 * the other metadata blocks (pictures, tags) are not given to it.
 */
final class FlacDecoder {
    private static final int STREAMINFO_LENGTH = 34;
    private static final int[] BLOCK_SIZES = {0, 192, 576, 1152, 2304, 4608, 0, 0,
            256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
    private static final int[] SAMPLE_RATES = {0, 88200, 176400, 192000, 8000, 16000, 22050, 24000,
            32000, 44100, 48000, 96000};
    /** Sample size codes; 0 is STREAMINFO's, -1 reserved (jFLAC also refuses 7, RFC 9639's 32 bits). */
    private static final int[] SAMPLE_SIZES = {0, 8, 12, -1, 16, 20, 24, -1};

    private FlacDecoder() {
    }

    static boolean matches(byte[] b) {
        return b.length >= 4 && b[0] == 'f' && b[1] == 'L' && b[2] == 'a' && b[3] == 'C';
    }

    /** STREAMINFO's fields that the frames are checked against. */
    private record StreamInfo(int rate, int channels, int bits, long totalSamples) {
    }

    /** A frame header's fields; {@code bits} and {@code rate} are 0 where the header defers to STREAMINFO. */
    private record FrameHeader(int length, int blockSize, int channels, int bits, int rate) {
    }

    /** The frames found by the scan: bytes {@code [start, end)} of the file, {@code samples} per channel. */
    private record Frames(int start, int end, long samples) {
    }

    static void decode(byte[] bytes, String name, PcmSink sink) throws AudioFormatException {
        StreamInfo info = streamInfo(bytes, name);
        Frames frames = scan(bytes, frameStart(bytes, name), info, name);
        sink.begin(info.channels, info.rate, frames.samples);

        // "fLaC", STREAMINFO as the last metadata block, then the frames.
        byte[] head = Arrays.copyOf(bytes, 8 + STREAMINFO_LENGTH);
        head[4] = (byte) 0x80;
        FLACDecoder decoder = new FLACDecoder(new SequenceInputStream(new ByteArrayInputStream(head),
                new ByteArrayInputStream(bytes, frames.start, frames.end - frames.start)));
        String[] error = new String[1];
        decoder.addFrameListener(new FrameListener() {
            @Override
            public void processMetadata(Metadata metadata) {
            }

            @Override
            public void processFrame(Frame frame) {
            }

            @Override
            public void processError(String msg) {
                if (error[0] == null) {
                    error[0] = msg;
                }
            }
        });
        try {
            decoder.readMetadata();
            int channels = info.channels;
            float scale = 1f / (1L << (info.bits - 1));
            float[] block = new float[0];
            Frame frame;
            while ((frame = decoder.readNextFrame()) != null) {
                // What jFLAC reports after the last frame, in the call that returns null, is about the bytes that
                // may follow it (see scan); a short last frame shows in the sample count.
                if (error[0] != null || decoder.getBadFrames() > 0) {
                    throw new AudioFormatException(name + ": corrupt FLAC: "
                            + (error[0] != null ? error[0] : decoder.getBadFrames() + " bad frames"));
                }
                int n = frame.header.blockSize;
                if (block.length < n * channels) {
                    block = new float[n * channels];
                }
                ChannelData[] data = decoder.getChannelData();
                for (int c = 0; c < channels; c++) {
                    int[] samples = data[c].getOutput();
                    for (int i = 0; i < n; i++) {
                        block[i * channels + c] = samples[i] * scale;
                    }
                }
                sink.write(block, n);
            }
        } catch (AudioFormatException | CancellationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new AudioFormatException(name + ": corrupt FLAC: " + e, e);
        }
        if (sink.frames() != frames.samples) {
            throw new AudioFormatException(name + ": corrupt FLAC: decoded " + sink.frames() + " of the "
                    + frames.samples + " samples its frame headers hold");
        }
    }

    private static StreamInfo streamInfo(byte[] b, String name) throws AudioFormatException {
        if (b.length < 8 + STREAMINFO_LENGTH || (b[4] & 0x7F) != 0 || u24(b, 5) != STREAMINFO_LENGTH) {
            throw new AudioFormatException(name + ": FLAC file without a STREAMINFO block");
        }
        int p = 8 + 10;
        int rate = u24(b, p) >>> 4;
        int channels = ((b[p + 2] >> 1) & 7) + 1;
        int bits = (((b[p + 2] & 1) << 4) | ((b[p + 3] & 0xFF) >>> 4)) + 1;
        long total = ((long) (b[p + 3] & 0x0F) << 32) | (u24(b, p + 4) & 0xFFFFFFL) << 8 | (b[p + 7] & 0xFF);
        AudioDecoder.checkFormat(name, channels, rate);
        // RFC 9639 section 8.2: 4 to 32 bits.
        if (bits < 4) {
            throw new AudioFormatException(name + ": FLAC with " + bits + " bits per sample; supported are 4 to 32");
        }
        if (total > 0) {
            AudioDecoder.checkLength(name, total, channels, rate, false);
        }
        return new StreamInfo(rate, channels, bits, total);
    }

    /** The offset of the first frame: after the last metadata block. */
    private static int frameStart(byte[] b, String name) throws AudioFormatException {
        int p = 4;
        boolean last = false;
        while (!last) {
            if (p + 4 > b.length) {
                break;
            }
            last = (b[p] & 0x80) != 0;
            p += 4 + u24(b, p + 1);
        }
        if (!last || p > b.length) {
            throw new AudioFormatException(name + ": truncated FLAC: the metadata blocks end past the file");
        }
        return p;
    }

    /**
     * Finds the frames from {@code start}, each where the CRC-16 of its bytes (its own CRC included) comes out zero,
     * and counts their samples. A frame whose CRC never does is corrupt, or cut if the file ends first.
     */
    private static Frames scan(byte[] b, int start, StreamInfo info, String name) throws AudioFormatException {
        int zerosFrom = b.length;
        while (zerosFrom > start && b[zerosFrom - 1] == 0) {
            zerosFrom--;
        }
        long samples = 0;
        int p = start;
        int index = 0;
        while (p < b.length && (info.totalSamples == 0 || samples < info.totalSamples)) {
            // Each frame ended where a header starts (below), so only the first can lack one.
            FrameHeader h = header(b, p);
            if (h == null) {
                throw new AudioFormatException(name + ": corrupt FLAC: no frame header at byte " + p);
            }
            if (h.channels != info.channels || (h.bits != 0 && h.bits != info.bits)
                    || (h.rate != 0 && h.rate != info.rate)) {
                throw new AudioFormatException(name + ": corrupt FLAC: frame " + index + " (byte " + p + ") has "
                        + h.channels + " channels, " + (h.bits == 0 ? info.bits : h.bits) + " bits, "
                        + (h.rate == 0 ? info.rate : h.rate) + " Hz; STREAMINFO says " + info.channels + ", "
                        + info.bits + ", " + info.rate);
            }
            // The header, one subframe header byte and the CRC-16 at least; at most twice a frame of verbatim
            // subframes, as encoders fall back to verbatim where it is smaller (libFLAC, FFmpeg's flacenc).
            int min = p + h.length + 3;
            long verbatim = h.length + 2 + info.channels * (6 + Math.ceilDiv((long) h.blockSize * (info.bits + 1), 8));
            int limit = (int) Math.min(b.length, p + 2 * verbatim);
            // The CRC of a frame's prefix comes out zero once in 65536 bytes or so: a frame ends at a zero only where
            // the next frame's header or the end of the file follows, or, for the last frame, a tag that taggers
            // append to any file.
            boolean mayBeLast = info.totalSamples == 0 || samples + h.blockSize >= info.totalSamples;
            short crc = 0;
            int end = -1;
            boolean last = false;
            boolean headerAfter = false;
            for (int q = p; q < limit; q++) {
                crc = CRC16.update(b[q], crc);
                int next = q + 1;
                boolean nextHeader = next < b.length && (b[next] & 0xFF) == 0xFF && header(b, next) != null;
                if (next >= min && crc == 0
                        && (next == b.length || nextHeader || mayBeLast && trailer(b, next, zerosFrom))) {
                    end = next;
                    last = next < b.length && !nextHeader;
                    break;
                }
                headerAfter |= nextHeader;
                if ((q & (Cancellation.EVERY * 16 - 1)) == 0) {
                    Cancellation.check(name);
                }
            }
            if (end < 0) {
                throw new AudioFormatException(name + (headerAfter || limit < b.length
                        ? ": corrupt FLAC: frame " + index + " (byte " + p + ") fails its CRC-16 check"
                        : ": truncated FLAC: frame " + index + " (byte " + p + ") is cut off, or corrupt: the file"
                                + " ends before its CRC-16 matches"));
            }
            samples += h.blockSize;
            AudioDecoder.checkLength(name, samples, info.channels, info.rate, true);
            p = end;
            index++;
            if (last) {
                break;
            }
        }
        if (info.totalSamples > 0 && samples < info.totalSamples) {
            throw new AudioFormatException(name + ": truncated FLAC: " + samples + " of " + info.totalSamples
                    + " samples present");
        }
        return new Frames(start, p, samples);
    }

    /**
     * Whether a tag starts at {@code p} (ID3v1 or v2, APEv2, Lyrics3), or only zeros follow it: {@code zerosFrom}
     * is where the file's final run of zeros starts, found once rather than at every candidate.
     */
    private static boolean trailer(byte[] b, int p, int zerosFrom) {
        for (String tag : new String[] {"TAG", "ID3", "APETAGEX", "LYRICSBEGIN"}) {
            if (b.length - p >= tag.length()
                    && new String(b, p, tag.length(), StandardCharsets.ISO_8859_1).equals(tag)) {
                return true;
            }
        }
        return p >= zerosFrom;
    }

    /** The frame header at {@code p} (RFC 9639 section 9.1), or null where none starts or its CRC-8 is wrong. */
    private static FrameHeader header(byte[] b, int p) {
        if (p + 6 > b.length || (b[p] & 0xFF) != 0xFF || (b[p + 1] & 0xFE) != 0xF8) {
            return null;
        }
        int sizeCode = (b[p + 2] & 0xFF) >>> 4;
        int rateCode = b[p + 2] & 0x0F;
        int assignment = (b[p + 3] & 0xFF) >>> 4;
        int bits = SAMPLE_SIZES[(b[p + 3] >> 1) & 7];
        if (sizeCode == 0 || rateCode == 15 || assignment > 10 || bits < 0 || (b[p + 3] & 1) != 0) {
            return null;
        }
        // The frame or sample number, coded like UTF-8 in 1 to 7 bytes.
        int q = p + 4;
        int ones = Integer.numberOfLeadingZeros(~(b[q] & 0xFF) << 24);
        if (ones == 1 || ones > 7) {
            return null;
        }
        int extra = Math.max(0, ones - 1);
        for (int i = 1; i <= extra; i++) {
            if (q + i >= b.length || (b[q + i] & 0xC0) != 0x80) {
                return null;
            }
        }
        q += 1 + extra;
        int blockSize = BLOCK_SIZES[sizeCode];
        if (sizeCode == 6 || sizeCode == 7) {
            int n = sizeCode - 5;
            if (q + n >= b.length) {
                return null;
            }
            blockSize = (n == 1 ? b[q] & 0xFF : u16(b, q)) + 1;
            q += n;
        }
        int rate = rateCode < 12 ? SAMPLE_RATES[rateCode] : 0;
        if (rateCode >= 12) {
            int n = rateCode == 12 ? 1 : 2;
            if (q + n >= b.length) {
                return null;
            }
            rate = rateCode == 12 ? (b[q] & 0xFF) * 1000 : rateCode == 13 ? u16(b, q) : u16(b, q) * 10;
            q += n;
        }
        if (q >= b.length || crc8(b, p, q) != (b[q] & 0xFF)) {
            return null;
        }
        return new FrameHeader(q + 1 - p, blockSize, assignment < 8 ? assignment + 1 : 2, bits, rate);
    }

    /**
     * CRC-8 with polynomial x^8 + x^2 + x + 1 of {@code b[from, to)}. jFLAC's {@code CRC8.update} indexes its table
     * with the sign-extended byte and fails on bytes from 0x80.
     */
    private static int crc8(byte[] b, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 0x80) != 0 ? (crc << 1 ^ 0x07) & 0xFF : crc << 1;
            }
        }
        return crc;
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    private static int u24(byte[] b, int p) {
        return (b[p] & 0xFF) << 16 | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF);
    }
}
