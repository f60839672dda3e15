package dev.gemmaspark.connector.source;

import dev.gemmaspark.connector.runtime.RowResult;
import dev.gemmaspark.connector.sql.ResultColumn;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/** Writes the results of a batch of files into Arrow vectors: column {@code path}, then the task's record. */
final class ArrowResults {
    static final String PATH = "path";

    private ArrowResults() {}

    static StructType schema(List<ResultColumn> columns) {
        return new StructType().add(PATH, DataTypes.StringType, false).merge(ResultColumn.struct(columns), true);
    }

    /** A batch owning new vectors from {@code allocator}; closing the batch frees them. */
    static ColumnarBatch batch(BufferAllocator allocator, List<InputFile> files, List<RowResult> results,
                               List<ResultColumn> columns) {
        int n = files.size();
        ColumnVector[] vectors = new ColumnVector[columns.size() + 1];
        VarCharVector path = new VarCharVector(PATH, allocator);
        path.allocateNew(n);
        for (int i = 0; i < n; i++) {
            path.setSafe(i, files.get(i).path().getBytes(StandardCharsets.UTF_8));
        }
        path.setValueCount(n);
        vectors[0] = new ArrowColumnVector(path);
        for (int c = 0; c < columns.size(); c++) {
            vectors[c + 1] = new ArrowColumnVector(column(allocator, columns.get(c), results));
        }
        return new ColumnarBatch(vectors, n);
    }

    private static FieldVector column(BufferAllocator allocator, ResultColumn column, List<RowResult> results) {
        int n = results.size();
        if (column.type() == DataTypes.StringType) {
            VarCharVector v = new VarCharVector(column.column(), allocator);
            v.allocateNew(n);
            for (int i = 0; i < n; i++) {
                Object value = column.valueOf(results.get(i));
                if (value == null) {
                    v.setNull(i);
                } else {
                    v.setSafe(i, ((String) value).getBytes(StandardCharsets.UTF_8));
                }
            }
            v.setValueCount(n);
            return v;
        }
        if (column.type() == DataTypes.IntegerType) {
            IntVector v = new IntVector(column.column(), allocator);
            v.allocateNew(n);
            for (int i = 0; i < n; i++) {
                Object value = column.valueOf(results.get(i));
                if (value == null) {
                    v.setNull(i);
                } else {
                    v.set(i, (Integer) value);
                }
            }
            v.setValueCount(n);
            return v;
        }
        Float8Vector v = new Float8Vector(column.column(), allocator);
        v.allocateNew(n);
        for (int i = 0; i < n; i++) {
            Object value = column.valueOf(results.get(i));
            if (value == null) {
                v.setNull(i);
            } else {
                v.set(i, (Double) value);
            }
        }
        v.setValueCount(n);
        return v;
    }
}
