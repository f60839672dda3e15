package dev.gemmaspark.connector.source;

import java.io.Serializable;

/** A file to read, by its fully qualified path, with its size (which spreads files over partitions). */
record InputFile(String path, long size) implements Serializable {}
