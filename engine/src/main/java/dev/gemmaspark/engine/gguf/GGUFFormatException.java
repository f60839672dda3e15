package dev.gemmaspark.engine.gguf;

/** A model file that cannot be used: the message names the file and what is wrong with it. */
public class GGUFFormatException extends RuntimeException {
    public GGUFFormatException(String message) {
        super(message);
    }

    public GGUFFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
