package dev.gemmaspark.connector.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.connector.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model file changed on disk while an executor holds it. Rewritten in place, the mapped file changes under the
 * loaded weights and reading them could fault, so the next task must not read the old mapping: it loads the file
 * again (or fails on the driver's check when the new content is not a model). Replaced by rename, the new file is
 * picked up the same way. (Truncating the file under a query that is running can end the JVM with a bus error in
 * compiled code, as it would end llama.cpp; the scheduler's own handling of such an Error, where the JVM turns it
 * into an InternalError, is SchedulerFailureTest's.)
 */
class ModelFileChangedTest {
    /** Another tiny model of the same architecture, with other weights: other answers. */
    private static final Path OTHER = Paths.get("../engine/src/test/resources/golden/models/gemma3n-tiny6-tinyvocab-f32.gguf")
            .toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private static List<String> answers(SparkSession spark, Path model) {
        return spark.sql("SELECT gemma_generate(concat('Count to ', id), map('model', '" + model + "', 'maxTokens', '4',"
                + " 'contextLength', '96')) FROM range(0, 3, 1, 1)").collectAsList().stream()
                .map(r -> r.getString(0)).toList();
    }

    private static void rewriteInPlace(Path file, byte[] content) throws IOException {
        Files.write(file, content); // truncates and writes the same inode
    }

    @Test
    void aModelRewrittenInPlaceIsLoadedAgainAndNeverReadThroughTheOldMapping() throws IOException {
        SparkSession spark = TestSpark.session();
        Path model = tmp.resolve("changing.gguf");
        Files.copy(TestSpark.MODEL, model);
        Path reference = tmp.resolve("reference.gguf");
        Files.copy(OTHER, reference);
        List<String> before = answers(spark, model);
        List<String> other = answers(spark, reference);
        assertNotEquals(before, other);
        int loads = ModelRegistry.loadCount();

        rewriteInPlace(model, Files.readAllBytes(OTHER));
        assertEquals(other, answers(spark, model), "the rewritten file's answers");
        assertEquals(loads + 1, ModelRegistry.loadCount(), "loaded again");

        // rewritten with something that is not a model: the query fails on the driver, naming the file
        rewriteInPlace(model, Arrays.copyOf(Files.readAllBytes(OTHER), 4096));
        Exception broken = assertThrows(Exception.class, () -> answers(spark, model));
        assertTrue(String.valueOf(broken.getMessage()).contains(model.toString()), broken.getMessage());

        // replaced by rename, as model files should be: loaded again, the original answers back
        Path fresh = tmp.resolve("fresh.gguf");
        Files.copy(TestSpark.MODEL, fresh);
        Files.move(fresh, model, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertEquals(before, answers(spark, model));
        assertEquals(loads + 2, ModelRegistry.loadCount());
    }
}
