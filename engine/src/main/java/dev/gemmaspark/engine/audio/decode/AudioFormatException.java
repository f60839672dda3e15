package dev.gemmaspark.engine.audio.decode;

import java.io.IOException;

/** Audio that cannot be decoded: the message names the file (or the name given for the bytes) and the problem. */
public class AudioFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public AudioFormatException(String message) {
        super(message);
    }

    public AudioFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
