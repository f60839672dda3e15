package dev.gemmaspark.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/** Waiting for many queued engine requests at once, as a caller that may itself be cancelled. */
public final class Requests {
    /** How often a wait for results checks whether the caller was cancelled. */
    private static final long CANCEL_POLL_MILLIS = 100;

    private Requests() {}

    /**
     * Waits for every future in order, polling {@code cancelled}; a future that failed gives {@code onError}'s
     * result. On cancellation or interruption all the futures are cancelled before this throws.
     */
    public static <T> List<T> awaitAll(List<CompletableFuture<T>> futures, BooleanSupplier cancelled,
                                Function<Throwable, T> onError) {
        List<T> results = new ArrayList<>(futures.size());
        try {
            for (CompletableFuture<T> f : futures) {
                while (true) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException("cancelled by the caller");
                    }
                    try {
                        results.add(f.get(CANCEL_POLL_MILLIS, TimeUnit.MILLISECONDS));
                        break;
                    } catch (TimeoutException e) {
                        // poll the cancellation again
                    } catch (ExecutionException e) {
                        results.add(onError.apply(e.getCause()));
                        break;
                    } catch (CancellationException e) {
                        results.add(onError.apply(e));
                        break;
                    }
                }
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the engine");
        } catch (CancellationException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        return results;
    }

}
