package dev.gemmaspark.engine.audio.decode;

import java.io.ByteArrayInputStream;
import javazoom.jl.decoder.Bitstream;
import javazoom.jl.decoder.BitstreamException;
import javazoom.jl.decoder.Decoder;
import javazoom.jl.decoder.DecoderException;
import javazoom.jl.decoder.Header;
import javazoom.jl.decoder.SampleBuffer;

/** MPEG-1/2/2.5 audio layers I-III through JLayer. */
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

    static PcmAudio decode(byte[] bytes, String name) throws AudioFormatException {
        Bitstream stream = new Bitstream(new ByteArrayInputStream(bytes));
        Decoder decoder = new Decoder();
        FloatArray out = new FloatArray(bytes.length * 8L);
        int channels = 0;
        int rate = 0;
        try {
            Header header;
            while ((header = stream.readFrame()) != null) {
                SampleBuffer buffer = (SampleBuffer) decoder.decodeFrame(header, stream);
                if (channels == 0) {
                    channels = buffer.getChannelCount();
                    rate = buffer.getSampleFrequency();
                } else if (channels != buffer.getChannelCount() || rate != buffer.getSampleFrequency()) {
                    throw new AudioFormatException(name + ": MP3 stream changes format mid-file (" + channels + " ch " + rate
                            + " Hz, then " + buffer.getChannelCount() + " ch " + buffer.getSampleFrequency() + " Hz)");
                }
                short[] pcm = buffer.getBuffer();
                for (int i = 0; i < buffer.getBufferLength(); i++) {
                    out.add(pcm[i] / 32768f);
                }
                stream.closeFrame();
            }
        } catch (BitstreamException | DecoderException | RuntimeException e) {
            throw new AudioFormatException(name + ": cannot decode MP3: " + e, e);
        }
        if (channels == 0) {
            throw new AudioFormatException(name + ": no MPEG audio frames");
        }
        return new PcmAudio(out.toArray(), channels, rate);
    }
}
