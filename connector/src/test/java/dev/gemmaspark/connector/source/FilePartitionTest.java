package dev.gemmaspark.connector.source;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FilePartitionTest {
    @Test
    void spreadsFilesSoThatPartitionsHoldSimilarBytes() {
        List<InputFile> files = List.of(new InputFile("a", 100), new InputFile("b", 60), new InputFile("c", 50),
                new InputFile("d", 40), new InputFile("e", 10));
        List<FilePartition> parts = FilePartition.split(files, 2);
        // largest first into the lightest: a->0 (100), b->1 (60), c->1 (110), d->0 (140), e->1 (120)
        assertEquals(List.of(new FilePartition(List.of(new InputFile("a", 100), new InputFile("d", 40))),
                new FilePartition(List.of(new InputFile("b", 60), new InputFile("c", 50), new InputFile("e", 10)))), parts);
    }

    @Test
    void neverMorePartitionsThanFiles() {
        assertEquals(1, FilePartition.split(List.of(new InputFile("a", 5)), 8).size());
    }
}
