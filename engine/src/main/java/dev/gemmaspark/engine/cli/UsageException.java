package dev.gemmaspark.engine.cli;

/** The command line is wrong (unknown option, missing or bad value): the CLI exits with status 2. */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }

    /** A problem with the value of {@code option}; the message names the option. */
    static UsageException of(String option, String problem) {
        return new UsageException("option " + option + ": " + problem);
    }

    static void require(boolean ok, String option, String problem) {
        if (!ok) {
            throw of(option, problem);
        }
    }
}
