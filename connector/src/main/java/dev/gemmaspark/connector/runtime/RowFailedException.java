package dev.gemmaspark.connector.runtime;

/** A row failed while {@code failOnError} is set: the task fails, naming the row and why. */
public final class RowFailedException extends RuntimeException {
    public RowFailedException(String function, long row, int partition, TaskInput input, String error) {
        super(function + " failed on row " + row + " of partition " + partition + " (input " + input.excerpt()
                + "): " + error + " [failOnError is true; set it to false to get a null result and an error instead]");
    }
}
