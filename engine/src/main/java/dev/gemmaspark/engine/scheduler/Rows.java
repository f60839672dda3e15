package dev.gemmaspark.engine.scheduler;

/** Receives the logits rows of the positions it asked for in a {@link Step}. */
interface Rows {
    Job<?> job();

    /** The soft-capped logits of {@code position}: {@code logits[offset .. offset + vocabulary)}. */
    void row(int position, float[] logits, int offset);

    /**
     * Whether {@link #row} may run on a kernel thread, at the same time as the rows of other positions (it
     * then writes only what belongs to its position and completes nothing).
     */
    boolean concurrent();
}
