package dev.gemmaspark.engine.audio.decode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.jflac.ChannelData;
import org.jflac.FLACDecoder;
import org.jflac.frame.Frame;
import org.jflac.metadata.StreamInfo;

/** FLAC through jFLAC; the frame count is checked against the stream header so a cut file is reported. */
final class FlacDecoder {
    private FlacDecoder() {
    }

    static boolean matches(byte[] b) {
        return b.length >= 4 && b[0] == 'f' && b[1] == 'L' && b[2] == 'a' && b[3] == 'C';
    }

    static PcmAudio decode(byte[] bytes, String name) throws AudioFormatException {
        FLACDecoder decoder = new FLACDecoder(new ByteArrayInputStream(bytes));
        try {
            decoder.readMetadata();
            StreamInfo info = decoder.getStreamInfo();
            if (info == null) {
                throw new AudioFormatException(name + ": FLAC file without a STREAMINFO block");
            }
            int channels = info.getChannels();
            float scale = 1f / (1L << (info.getBitsPerSample() - 1));
            long expected = info.getTotalSamples();
            FloatArray out = new FloatArray(expected > 0 ? expected * channels : 1 << 16);
            Frame frame;
            while ((frame = decoder.readNextFrame()) != null) {
                int n = frame.header.blockSize;
                ChannelData[] data = decoder.getChannelData();
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < channels; c++) {
                        out.add(data[c].getOutput()[i] * scale);
                    }
                }
            }
            if (decoder.getBadFrames() > 0) {
                throw new AudioFormatException(name + ": corrupt FLAC: " + decoder.getBadFrames() + " bad frames");
            }
            long frames = out.size() / channels;
            if (expected > 0 && frames < expected) {
                throw new AudioFormatException(name + ": truncated FLAC: " + frames + " of " + expected + " samples present");
            }
            return new PcmAudio(out.toArray(), channels, info.getSampleRate());
        } catch (IOException | RuntimeException e) {
            if (e instanceof AudioFormatException a) {
                throw a;
            }
            throw new AudioFormatException(name + ": cannot decode FLAC: " + e, e);
        }
    }
}
