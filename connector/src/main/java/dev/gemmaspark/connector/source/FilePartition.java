package dev.gemmaspark.connector.source;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;

/** The files one task reads. */
record FilePartition(List<InputFile> files) implements InputPartition {

    /**
     * Spreads {@code files} over at most {@code slots} partitions so that their total sizes are close:
     * largest file first, each into the partition that has the fewest bytes so far. Inference time grows
     * with text length, so equal bytes are roughly equal work. Files keep their path order in a partition.
     */
    static List<FilePartition> split(List<InputFile> files, int slots) {
        int n = Math.max(1, Math.min(slots, files.size()));
        List<List<InputFile>> parts = new ArrayList<>();
        long[] bytes = new long[n];
        for (int i = 0; i < n; i++) {
            parts.add(new ArrayList<>());
        }
        List<InputFile> bySize = new ArrayList<>(files);
        bySize.sort(Comparator.comparingLong(InputFile::size).reversed().thenComparing(InputFile::path));
        for (InputFile f : bySize) {
            int lightest = 0;
            for (int i = 1; i < n; i++) {
                if (bytes[i] < bytes[lightest]) {
                    lightest = i;
                }
            }
            parts.get(lightest).add(f);
            bytes[lightest] += f.size();
        }
        return parts.stream().filter(p -> !p.isEmpty())
                .map(p -> new FilePartition(p.stream().sorted(Comparator.comparing(InputFile::path)).toList()))
                .toList();
    }
}
