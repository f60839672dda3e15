package dev.gemmaspark.connector.runtime;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** How many generation and transcription batches of each size one shared model has run, over all tasks of the executor. */
public final class BatchStats {
    private final ConcurrentHashMap<Integer, LongAdder> countBySize = new ConcurrentHashMap<>();

    void record(int batchSize) {
        countBySize.computeIfAbsent(batchSize, k -> new LongAdder()).increment();
    }

    /** Batch size -> number of batches of that size, sizes ascending. */
    public Map<Integer, Long> countBySize() {
        Map<Integer, Long> copy = new TreeMap<>();
        countBySize.forEach((size, n) -> copy.put(size, n.sum()));
        return copy;
    }

    /** Rows answered over all batches. */
    public long rows() {
        return countBySize().entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        countBySize().forEach((size, n) -> sb.append(sb.isEmpty() ? "" : ", ").append(n).append(" x ").append(size));
        return sb.isEmpty() ? "no batches" : sb.toString();
    }
}
