package dev.gemmaspark.engine.scheduler;

/**
 * A job that feeds its tokens into one cache along one {@link Track} and completes once the track has read its
 * last logits row: a score, or the logits of a sequence.
 */
abstract class SingleTrackJob<T> extends Job<T> {
    private Track track;

    SingleTrackJob(int[] tokens, int prefixServable, int prefixStorable) {
        super(tokens, prefixServable, prefixStorable);
    }

    /** The track feeding this job's positions from {@code cached} on, into {@code caches.getFirst()}. */
    abstract Track track(int cached);

    /** The result, once every row was read. */
    abstract T result();

    @Override
    final int cachesToStart(int poolSize) {
        return 1;
    }

    @Override
    final void start(int cached) {
        track = track(cached);
    }

    @Override
    final int prefixWritten() {
        return track.fed();
    }

    @Override
    final void addPrefill(Step step) {
        track.addTo(step);
    }

    @Override
    final void afterStep(CachePool pool, boolean mayTakeMore) {
        if (track.finished()) {
            future.complete(result());
        }
    }
}
