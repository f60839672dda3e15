package dev.gemmaspark.connector.source;

import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** The results of a task over a set of files, as a readable table. */
final class GemmaFileTable implements SupportsRead {
    private final SourceOptions options;

    GemmaFileTable(SourceOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "gemma " + options.task().label() + " " + options.paths();
    }

    @Override
    @SuppressWarnings("deprecation") // columns() derives from it; Spark 4.2 still asks every table for it
    public StructType schema() {
        return options.outputSchema();
    }

    @Override
    public Set<TableCapability> capabilities() {
        return Set.of(TableCapability.BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap ignored) {
        return new GemmaScan(options);
    }
}
