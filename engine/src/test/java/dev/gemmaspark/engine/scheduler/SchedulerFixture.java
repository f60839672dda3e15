package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.model.ForwardPass;
import dev.gemmaspark.engine.model.Gemma3nModel;
import dev.gemmaspark.engine.model.TensorObserver;
import dev.gemmaspark.engine.tokenizer.GemmaTokenizer;

/** A scheduler over a golden model, built as GemmaModel builds its own, with an optional tensor observer. */
final class SchedulerFixture implements AutoCloseable {
    final GGUFFile file;
    final ThreadPool pool;
    final Scheduler scheduler;

    SchedulerFixture(String model, int threads, SchedulerOptions options, boolean exactGelu, TensorObserver observer) {
        this.file = GGUFFile.open(Golden.model(model));
        Gemma3nModel m = new Gemma3nModel(file, options.contextLength(), ActivationRounding.LLAMA_CPP);
        this.pool = new ThreadPool(threads);
        ForwardPass pass = new ForwardPass(m, pool, options.batchTokens(), exactGelu);
        pass.setObserver(observer);
        this.scheduler = new Scheduler(file.path().toString(), pass, pool, GemmaTokenizer.fromGGUF(file), options);
    }

    SchedulerFixture(String model, SchedulerOptions options) {
        this(model, 2, options, false, null);
    }

    String path() {
        return file.path().toString();
    }

    @Override
    public void close() {
        scheduler.close();
        pool.close();
        file.close();
    }
}
