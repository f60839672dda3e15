package dev.gemmaspark.connector.runtime;

import java.io.Serial;
/** A row failed while {@code failOnError} is set: the task fails, naming the row and why. */
public final class RowFailedException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param what  the function or task that failed, e.g. {@code gemma_generate}
     * @param row   which row, e.g. {@code row 3 of partition 1 (input 'Once upon...')}
     * @param error why the row failed
     */
    public RowFailedException(String what, String row, String error) {
        super(what + " failed on " + row + ": " + error
                + " [failOnError is true; set it to false to get a null result and an error message instead]");
    }
}
