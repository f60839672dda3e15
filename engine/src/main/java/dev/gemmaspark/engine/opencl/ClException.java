package dev.gemmaspark.engine.opencl;

/** An OpenCL call that failed, or an OpenCL library or device that is missing; the message names which. */
public final class ClException extends RuntimeException {
    public ClException(String message) {
        super(message);
    }

    public ClException(String message, Throwable cause) {
        super(message, cause);
    }
}
