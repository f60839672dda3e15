package dev.gemmaspark.engine;

/** Receives a request's output as it is generated (streaming). */
@FunctionalInterface
public interface TokenListener {
    /**
     * Called once per generated token, in order.
     *
     * @param token the token id
     * @param text  the text this token completes (may be empty while a UTF-8 character is incomplete)
     */
    void onToken(int token, String text);
}
