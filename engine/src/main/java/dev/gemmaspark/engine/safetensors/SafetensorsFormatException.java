package dev.gemmaspark.engine.safetensors;

/** A checkpoint that cannot be used: the message names the file or tensor and what is wrong with it. */
public class SafetensorsFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
