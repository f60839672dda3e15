package dev.gemmaspark.engine;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.vision.VisionGolden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GemmaWeights#changedOnDisk} watches every file the weights map: the model, and the vision projector, whose
 * tower is widened from the mapping when the first image comes, so a projector rewritten in place before then would
 * be read changed.
 */
class WeightsChangedOnDiskTest {
    @Test
    void aProjectorRewrittenInPlaceOrReplacedIsNamed(@TempDir Path dir) throws IOException {
        Path model = Files.copy(VisionGolden.textModel(), dir.resolve("model.gguf"));
        Path mmproj = Files.copy(VisionGolden.projector(VisionGolden.S1), dir.resolve("mmproj.gguf"));
        try (GemmaWeights weights = GemmaWeights.load(model, null, false, mmproj)) {
            assertNull(weights.changedOnDisk());
            Files.setLastModifiedTime(mmproj, FileTime.fromMillis(Files.getLastModifiedTime(mmproj).toMillis() + 5000));
            String change = weights.changedOnDisk();
            assertTrue(change != null && change.startsWith("the vision projector " + mmproj + ": it was rewritten in"
                    + " place"), change);
        }
        try (GemmaWeights weights = GemmaWeights.load(model, null, false, mmproj)) {
            Path other = Files.copy(mmproj, dir.resolve("other.gguf"));
            Files.move(other, mmproj, StandardCopyOption.REPLACE_EXISTING);
            String change = weights.changedOnDisk();
            assertTrue(change != null && change.equals("the vision projector " + mmproj + ": another file was moved to"
                    + " its path"), change);
            Files.setLastModifiedTime(model, FileTime.fromMillis(Files.getLastModifiedTime(model).toMillis() + 5000));
            assertTrue(weights.changedOnDisk().startsWith("it was rewritten in place"), weights.changedOnDisk());
        }
    }
}
