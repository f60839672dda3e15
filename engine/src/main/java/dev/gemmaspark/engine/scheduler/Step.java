package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.model.ForwardBatch;
import dev.gemmaspark.engine.model.KVCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The tokens of one forward pass being assembled, who gets each logits row, and which jobs take part. */
final class Step {
    final ForwardBatch batch;
    private final Rows[] owners;
    private final int[] positions;
    private final List<Job<?>> participants = new ArrayList<>();
    private int rows;
    private int concurrentRows;
    private long number;

    Step(int tokens, int maxRows) {
        this.batch = new ForwardBatch(tokens);
        this.owners = new Rows[maxRows];
        this.positions = new int[maxRows];
    }

    void clear() {
        batch.clear();
        Arrays.fill(owners, 0, rows, null);
        rows = 0;
        concurrentRows = 0;
        participants.clear();
        number++;
    }

    /** Tokens the batch has room for. */
    int room() {
        return batch.capacity() - batch.size();
    }

    /** Logits rows still free. */
    int rowsLeft() {
        return owners.length - rows;
    }

    /** Adds a token of {@code job}; {@code rows} gets its logits row, or nobody when null. */
    void add(Job<?> job, int token, int position, KVCache cache, Rows rows) {
        batch.add(token, position, cache, rows != null);
        note(job, position, rows);
    }

    /** Like {@link #add}, with an embedding as the input (see {@link ForwardBatch#add(int, float[], int, int, KVCache, boolean)}). */
    void add(Job<?> job, int token, float[] embedding, int offset, int position, KVCache cache, Rows rows) {
        batch.add(token, embedding, offset, position, cache, rows != null);
        note(job, position, rows);
    }

    private void note(Job<?> job, int position, Rows r) {
        if (job.lastStep != number) {
            job.lastStep = number;
            participants.add(job);
        }
        if (r != null) {
            owners[rows] = r;
            positions[rows] = position;
            rows++;
            if (r.concurrent()) {
                concurrentRows++;
            }
        }
    }

    /** The jobs with tokens in this step: a forward pass that fails leaves their caches half written. */
    List<Job<?>> participants() {
        return participants;
    }

    int rows() {
        return rows;
    }

    int concurrentRows() {
        return concurrentRows;
    }

    Rows owner(int row) {
        return owners[row];
    }

    int position(int row) {
        return positions[row];
    }
}
