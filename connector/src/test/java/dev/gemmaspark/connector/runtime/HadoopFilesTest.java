package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class HadoopFilesTest {
    @Test
    void javaNioFailuresThatNameOnlyTheFileSayWhatHappened() {
        assertEquals("permission denied", HadoopFiles.problem(new AccessDeniedException("/data/locked")));
        assertEquals("no such file or folder", HadoopFiles.problem(new NoSuchFileException("/data/gone")));
        assertEquals("Connection refused", HadoopFiles.problem(new IOException("Connection refused")));
        assertEquals("java.io.IOException", HadoopFiles.problem(new IOException()));
    }
}
