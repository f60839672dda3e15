package dev.gemmaspark.connector;

/** Reading the messages of an exception chain, as Spark wraps the connector's exceptions. */
public final class Errors {
    private Errors() {}

    /** Every message of {@code t} and its causes, joined. */
    public static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
