package dev.gemmaspark.connector.source;

import dev.gemmaspark.connector.runtime.ModelFileCheck;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The scan of a gemma read. Planning it lists the files and checks the model file on the driver, so a
 * bad path or model fails the query before any task starts.
 */
final class GemmaScan implements ScanBuilder, Scan, Batch {
    private final SourceOptions options;

    GemmaScan(SourceOptions options) {
        this.options = options;
    }

    @Override
    public Scan build() {
        return this;
    }

    @Override
    public StructType readSchema() {
        return options.outputSchema();
    }

    @Override
    public String description() {
        return "gemma " + options.task().label() + " " + options.paths();
    }

    @Override
    public Batch toBatch() {
        return this;
    }

    @Override
    public InputPartition[] planInputPartitions() {
        SparkSession session = SparkSession.active();
        Configuration conf = session.sessionState().newHadoopConf();
        ModelFileCheck.check(options.settings(), options.modelSource(), options.audioWeightsSource(),
                options.task().readsAudio(), conf);
        List<InputFile> files = FileListing.list(options.paths(), conf);
        return FilePartition.split(files, session.sparkContext().defaultParallelism()).toArray(InputPartition[]::new);
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
        SparkSession session = SparkSession.active();
        var conf = JavaSparkContext.fromSparkContext(session.sparkContext())
                .broadcast(new SerializableConfiguration(session.sessionState().newHadoopConf()));
        return new GemmaReaderFactory(options, conf);
    }
}
