package dev.gemmaspark.connector.source;

import dev.gemmaspark.connector.runtime.HadoopFiles;
import dev.gemmaspark.connector.runtime.Inference;
import dev.gemmaspark.connector.runtime.ModelKey;
import dev.gemmaspark.connector.runtime.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.execution.arrow.ArrowWriter;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Reads the files of one partition a batch at a time into Arrow vectors (a file's path, its bytes or text, and
 * why it could not be read), runs the task on them with {@link Inference} on the executor's shared model, and
 * returns the paths and the result vectors as the batch. A file that cannot be read or is too large gets an
 * error row like any failed input. The vectors come from one allocator per task, closed with the reader, which
 * Spark closes when the task ends.
 */
final class GemmaFileReader implements PartitionReader<ColumnarBatch> {
    /**
     * Larger text files cannot fit any context; reading them whole would only waste memory. Image files have the
     * same limit: 64 MiB is a PNG of well over 20 million pixels, which the tower shrinks to at most 768 x 768.
     */
    static final long MAX_TEXT_FILE_BYTES = 64L << 20;
    /**
     * Larger audio files are refused: a row is read whole into a Java array (at most 2 GiB), and decoded it
     * takes 230 MB per hour of audio. 1 GiB is an hour of 44.1 kHz stereo WAV, many hours of FLAC or MP3.
     */
    static final long MAX_AUDIO_FILE_BYTES = 1L << 30;

    private final List<InputFile> files;
    private final SourceOptions options;
    private final Configuration conf;
    private final BufferAllocator allocator = Inference.allocator("gemma read");
    private final ArrowWriter input;
    private final Inference inference;
    private ColumnarBatch current;
    private int next;

    GemmaFileReader(FilePartition partition, SourceOptions options, Configuration conf) {
        this.files = partition.files();
        this.options = options;
        this.conf = conf;
        this.input = Inference.writer(options.inputSchema(), allocator);
        // a batch of files none of which could be read needs no model, whose first load can take minutes
        this.inference = new Inference(() -> ModelRegistry.acquire(ModelKey.of(options.settings()), conf),
                options.task(), options.settings(), "the gemma data source (task " + options.task().label() + ")",
                allocator);
    }

    @Override
    public boolean next() {
        if (next >= files.size()) {
            return false;
        }
        List<InputFile> batch = files.subList(next, Math.min(files.size(), next + options.settings().batchSize()));
        next += batch.size();
        input.reset();
        for (InputFile f : batch) {
            try {
                input.write(options.inputRow(f.path(), read(f), null));
            } catch (IOException e) {
                input.write(options.inputRow(f.path(), null, "cannot read " + f.path() + ": "
                        + HadoopFiles.problem(e)));
            }
        }
        input.finish();
        VectorSchemaRoot results = inference.run(input.root(), new Inference.RowNames() {
            @Override
            public String name(int row) {
                return batch.get(row).path();
            }

            @Override
            public String failed(int row, String excerpt) {
                return "file " + name(row);
            }
        });
        ColumnVector[] columns = new ColumnVector[results.getFieldVectors().size() + 1];
        columns[0] = new ArrowColumnVector(input.root().getVector(SourceOptions.PATH));
        for (int c = 1; c < columns.length; c++) {
            columns[c] = new ArrowColumnVector(results.getVector(c - 1));
        }
        // the vectors stay the writers' to reuse and close: the batch is not closed
        current = new ColumnarBatch(columns, batch.size());
        return true;
    }

    @Override
    public ColumnarBatch get() {
        return current;
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

    @Override
    public void close() {
        inference.close();
        input.root().close();
        allocator.close();
    }
}
