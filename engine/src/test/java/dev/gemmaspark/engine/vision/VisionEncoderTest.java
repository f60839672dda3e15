package dev.gemmaspark.engine.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.kernel.ThreadPool;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tower and projector against llama.cpp's {@code exact_f32} run (plain F32 arithmetic on the stored weights):
 * an F32 port differs from it only in summation order, about 1e-6 relative (the golden README, section 8).
 */
class VisionEncoderTest {
    /** max |Δ| / max |ref| held against exact_f32: 40x the 2.5e-6 the reference NumPy port reaches. */
    private static final double EMBD_TOLERANCE = 1e-4;

    @Test
    void everyIntermediateTensorMatchesExactF32() throws IOException {
        String run = VisionGolden.run(VisionGolden.S1, VisionGolden.IMAGES.getFirst());
        Map<String, float[]> seen = new HashMap<>();
        Map<String, int[]> shapes = new HashMap<>();
        try (ThreadPool pool = new ThreadPool(2);
             VisionEncoder encoder = VisionEncoder.load(VisionGolden.projector(VisionGolden.S1), pool)) {
            RgbImage image = ImagePreprocessor.letterbox(ImageDecoder.decode(VisionGolden.image(VisionGolden.IMAGES.getFirst())),
                    encoder.config().imageSize());
            encoder.encode(List.of(image), (name, map) -> {
                seen.put(name, channelsFirst(map));
                shapes.put(name, new int[] {map.channels(), map.height(), map.width()});
            });
        }
        JsonNode fingerprints = VisionGolden.json(run + "exact_f32.json").get("vision_fingerprints");
        List<String> checked = new ArrayList<>();
        for (var it = fingerprints.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode f = fingerprints.get(name);
            float[] actual = seen.get(name);
            assertTrue(actual != null, "no tensor " + name);
            boolean tokens = name.startsWith("mm.") || name.equals("embd");
            float[] mine = tokens ? transpose(actual, shapes.get(name)) : actual;
            String file = run + "intermediates_exact_f32/" + name + ".npy";
            if (Files.exists(VisionGolden.path("models").resolveSibling(file))) {
                float[] expected = VisionGolden.npy(file).floats();
                assertEquals(expected.length, mine.length, name);
                double err = VisionGolden.relativeError(mine, 0, expected, 0, expected.length);
                assertTrue(err < 1e-5, name + ": relative error " + err);
            } else {
                // the copy keeps the full tensors of the later, smaller stages; the stem and stage 0 by fingerprint
                JsonNode index = f.get("probe_flat_index");
                JsonNode values = f.get("probe_values");
                double max = f.get("max_abs").asDouble();
                for (int i = 0; i < index.size(); i++) {
                    double d = Math.abs(mine[index.get(i).asInt()] - values.get(i).asDouble());
                    assertTrue(d <= 1e-5 * max, name + " at " + index.get(i) + ": " + mine[index.get(i).asInt()]
                            + " vs " + values.get(i));
                }
                assertEquals(f.get("max_abs").asDouble(), Golden.maxAbs(mine), 1e-5 * max, name + " max |x|");
            }
            checked.add(name);
        }
        assertEquals(19, checked.size(), checked.toString());
    }

    @Test
    void projectorOutputMatchesExactF32ForEveryImageAndProjector() throws IOException {
        try (ThreadPool pool = new ThreadPool(2)) {
            for (String projector : VisionGolden.PROJECTORS) {
                try (VisionEncoder encoder = VisionEncoder.load(VisionGolden.projector(projector), pool)) {
                    List<RgbImage> images = new ArrayList<>();
                    for (String image : VisionGolden.IMAGES) {
                        images.add(ImageDecoder.decode(VisionGolden.image(image)));
                    }
                    List<float[]> embd = encoder.embed(images);
                    for (int i = 0; i < images.size(); i++) {
                        String run = VisionGolden.run(projector, VisionGolden.IMAGES.get(i));
                        float[] expected = VisionGolden.npy(run + "exact_f32.embd.npy").floats();
                        assertEquals(expected.length, embd.get(i).length, run);
                        double err = VisionGolden.relativeError(embd.get(i), 0, expected, 0, expected.length);
                        assertTrue(err < EMBD_TOLERANCE, run + ": relative error " + err);
                    }
                }
            }
        }
    }

    /** The network found from the tensor names is the one the golden files describe (their .json). */
    @Test
    void discoveredNetworkHasTheGoldenParametersAndCost() {
        for (String projector : VisionGolden.PROJECTORS) {
            JsonNode described = VisionGolden.json("models/" + projector + ".gguf.json");
            try (VisionEncoder encoder = VisionEncoder.load(VisionGolden.projector(projector), null)) {
                assertEquals(described.get("params").asLong(), encoder.parameters(), projector);
                assertEquals(described.get("mac_per_image").asLong(), encoder.multiplyAdds(), projector);
                assertEquals(described.get("architecture").get("image_size").asInt(), encoder.config().imageSize());
                int blocks = 0;
                for (JsonNode stage : described.get("architecture").get("stages")) {
                    blocks += stage.size();
                }
                assertEquals(blocks, encoder.config().blockCount(), projector);
            }
        }
    }

    /** An image's output does not depend on the images it shares a pass with. */
    @Test
    void anImageGivesTheSameResultAloneAndInABatch() throws IOException {
        RgbImage a = ImageDecoder.decode(VisionGolden.image(VisionGolden.IMAGES.get(0)));
        RgbImage b = ImageDecoder.decode(VisionGolden.image(VisionGolden.IMAGES.get(2)));
        try (ThreadPool pool = new ThreadPool(2);
             VisionEncoder encoder = VisionEncoder.load(VisionGolden.projector(VisionGolden.S2), pool)) {
            List<float[]> together = encoder.embed(List.of(a, b, a));
            assertArrayEquals(encoder.embed(b), together.get(1));
            assertArrayEquals(together.get(0), together.get(2));
        }
    }

    /**
     * Later passes run on the arrays of the first, holding what other images left in them, and give the same bits;
     * they allocate no array (the arena holds as much after the third pass as after the first).
     */
    @Test
    void passesReuseTheirArraysAndGiveTheSameBits() throws IOException {
        RgbImage a = ImageDecoder.decode(VisionGolden.image(VisionGolden.IMAGES.get(0)));
        RgbImage b = ImageDecoder.decode(VisionGolden.image(VisionGolden.IMAGES.get(1)));
        try (ThreadPool pool = new ThreadPool(2);
             VisionEncoder encoder = VisionEncoder.load(VisionGolden.projector(VisionGolden.S1), pool)) {
            float[] first = encoder.embed(a);
            long held = encoder.arenaFloats();
            encoder.embed(b);
            assertArrayEquals(first, encoder.embed(a));
            assertTrue(held > 0, "nothing went back to the arena");
            assertEquals(held, encoder.arenaFloats());
        }
    }

    /** A channels-last map of one image as NumPy's [C, H, W]. */
    private static float[] channelsFirst(FeatureMap m) {
        int hw = m.height() * m.width();
        float[] out = new float[hw * m.channels()];
        for (int p = 0; p < hw; p++) {
            for (int c = 0; c < m.channels(); c++) {
                out[c * hw + p] = m.data()[p * m.channels() + c];
            }
        }
        return out;
    }

    /** Back from [C, 16, 16] to the projector's [256, C] token rows. */
    private static float[] transpose(float[] chw, int[] shape) {
        int hw = shape[1] * shape[2];
        float[] out = new float[chw.length];
        for (int c = 0; c < shape[0]; c++) {
            for (int p = 0; p < hw; p++) {
                out[p * shape[0] + c] = chw[c * hw + p];
            }
        }
        return out;
    }
}
