package dev.gemmaspark.connector.source;

import dev.gemmaspark.connector.runtime.HadoopFiles;
import dev.gemmaspark.connector.runtime.Inference;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import dev.gemmaspark.connector.runtime.RowFailedException;
import dev.gemmaspark.connector.runtime.RowResult;
import dev.gemmaspark.connector.runtime.TaskInput;
import dev.gemmaspark.connector.sql.ResultColumn;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Reads the files of one partition a batch at a time, runs the task on the executor's shared model, and
 * returns each batch's results as Arrow vectors. A file that cannot be read or is too large gets an error
 * row like any failed input.
 */
final class GemmaFileReader implements PartitionReader<ColumnarBatch> {
    /** Larger text files cannot fit any context; reading them whole would only waste memory. */
    static final long MAX_TEXT_FILE_BYTES = 64L << 20;
    /**
     * Larger audio files are refused: a row is read whole into a Java array (at most 2 GiB), and decoded it
     * takes 230 MB per hour of audio. 1 GiB is an hour of 44.1 kHz stereo WAV, many hours of FLAC or MP3.
     */
    static final long MAX_AUDIO_FILE_BYTES = 1L << 30;

    private final List<InputFile> files;
    private final SourceOptions options;
    private final Configuration conf;
    private final List<ResultColumn> columns;
    private final BufferAllocator allocator = new RootAllocator();
    private Inference inference;
    private ColumnarBatch current;
    private int next;

    GemmaFileReader(FilePartition partition, SourceOptions options, Configuration conf) {
        this.files = partition.files();
        this.options = options;
        this.conf = conf;
        this.columns = ResultColumn.record(options.task());
    }

    @Override
    public boolean next() {
        closeCurrent();
        if (next >= files.size()) {
            return false;
        }
        List<InputFile> batch = files.subList(next, Math.min(files.size(), next + options.settings().batchSize()));
        next += batch.size();
        List<TaskInput> inputs = new ArrayList<>(batch.size());
        List<String> readErrors = new ArrayList<>(batch.size());
        for (InputFile f : batch) {
            try {
                inputs.add(options.input(read(f), f.path()));
                readErrors.add(null);
            } catch (IOException e) {
                inputs.add(options.input(null, f.path()));
                readErrors.add("cannot read " + f.path() + ": " + HadoopFiles.problem(e));
            }
        }
        // a batch of files none of which could be read needs no model, whose first load can take minutes
        List<RowResult> results = new ArrayList<>(readErrors.contains(null) ? inference().run(inputs)
                : Collections.nCopies(batch.size(), null));
        for (int i = 0; i < results.size(); i++) {
            if (readErrors.get(i) != null) {
                results.set(i, RowResult.failed(readErrors.get(i)));
            }
            if (results.get(i).isError() && options.settings().failOnError()) {
                throw new RowFailedException("the gemma data source (task " + options.task().label() + ")",
                        "file " + batch.get(i).path(), results.get(i).error());
            }
        }
        current = ArrowResults.batch(allocator, batch, results, columns);
        return true;
    }

    @Override
    public ColumnarBatch get() {
        return current;
    }

    private Inference inference() {
        if (inference == null) {
            var model = ModelRegistry.acquire(ModelKey.of(options.settings()), conf);
            inference = new Inference(model, options.task(), options.settings());
        }
        return inference;
    }

    /**
     * The bytes of {@code file}, at most the limit of a row even when the file has grown since it was listed
     * (or is a link to an endless device such as {@code /dev/zero}).
     */
    private byte[] read(InputFile file) throws IOException {
        if (file.problem() != null) {
            throw new IOException(file.problem());
        }
        long max = options.task().readsAudio() ? MAX_AUDIO_FILE_BYTES : MAX_TEXT_FILE_BYTES;
        if (file.size() > max) {
            throw new IOException("the file has " + file.size() + " bytes, more than the " + max + " a row may have");
        }
        Path path = new Path(file.path());
        try (InputStream in = HadoopFiles.fileSystem(path, conf).open(path)) {
            byte[] bytes = in.readNBytes((int) max + 1);
            if (bytes.length > max) {
                throw new IOException("the file has grown past the " + max + " bytes a row may have since it was "
                        + "listed");
            }
            return bytes;
        }
    }

    private void closeCurrent() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public void close() {
        closeCurrent();
        allocator.close();
    }
}
