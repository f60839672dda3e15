package dev.gemmaspark.connector.source;

import java.io.Serializable;

/**
 * A file to read, by its fully qualified path, with its size (which spreads files over partitions).
 * {@code problem} is why listing found it unreadable (a dangling link, a folder it could not list), else null:
 * such a file becomes an error row instead of being left out or failing the query.
 */
record InputFile(String path, long size, String problem) implements Serializable {

    InputFile(String path, long size) {
        this(path, size, null);
    }

    static InputFile unreadable(String path, String problem) {
        return new InputFile(path, 0, problem);
    }
}
