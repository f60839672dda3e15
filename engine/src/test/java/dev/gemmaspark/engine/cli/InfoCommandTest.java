package dev.gemmaspark.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.Golden;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code info} against the parameter files written with the golden models ({@code models/<file>.gguf.json}). */
class InfoCommandTest {

    private static JsonNode info(String... args) throws Exception {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.status(), r.err());
        return Main.JSON.readTree(r.out());
    }

    /**
     * Tensors per type from the parameter file, where {@code blk.N.*} entries stand for every layer, or for the
     * layers named when the type varies by layer ({@code {"Q6_K": "layers 2,5"}}).
     */
    private static Map<String, Integer> tensorsPerType(JsonNode params) {
        Map<String, Integer> counts = new HashMap<>();
        int layers = params.get("n_layer").asInt();
        params.get("tensor_types").properties().forEach(e -> {
            if (e.getValue().isTextual()) {
                counts.merge(e.getValue().asText(), e.getKey().startsWith("blk.N.") ? layers : 1, Integer::sum);
            } else {
                e.getValue().properties().forEach(byLayers -> counts.merge(byLayers.getKey(),
                        byLayers.getValue().asText().replace("layers ", "").split(",").length, Integer::sum));
            }
        });
        return counts;
    }

    @Test
    void reportsDimensionsQuantTypesAndMemoryOfAQuantizedModel() throws Exception {
        String name = "gemma3n-tiny6q-tinyvocab-Q4_K_M";
        JsonNode params = Golden.json("models/" + name + ".gguf.json");
        JsonNode info = info("info", "--model", Golden.model(name).toString(), "--json");

        assertEquals("gemma3n", info.get("architecture").asText());
        assertEquals(params.get("general.name").asText(), info.get("name").asText());
        assertEquals(params.get("bytes").asLong(), info.get("file_size_bytes").asLong());
        assertEquals(params.get("n_layer").asInt(), info.get("layers").asInt());
        assertEquals(params.get("n_embd").asInt(), info.get("embedding_length").asInt());
        assertEquals(params.get("n_head").asInt(), info.get("heads").asInt());
        assertEquals(params.get("n_head_kv").asInt(), info.get("kv_heads").asInt());
        assertEquals(params.get("head_dim").asInt(), info.get("head_dim").asInt());
        assertEquals(params.get("n_ff").get(0).asInt(), info.get("ffn_length").asInt());
        assertEquals(params.get("n_vocab").asInt(), info.get("vocab_size").asInt());
        assertEquals(params.get("context_length").asInt(), info.get("context_length").asInt());
        assertEquals(params.get("sliding_window").asInt(), info.get("sliding_window").asInt());
        assertEquals(params.get("global_layers"), info.get("global_layers"));

        Map<String, Integer> expected = tensorsPerType(params);
        assertEquals(Map.of("F32", 95, "Q4_K", 50, "Q6_K", 6), expected); // the parameter file read right
        JsonNode types = info.get("quant_types");
        assertEquals(expected.keySet(), types.properties().stream().map(Map.Entry::getKey).collect(Collectors.toSet()));
        long tensorBytes = 0;
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(e.getValue().intValue(), types.get(e.getKey()).get("tensors").asInt(), e.getKey());
            tensorBytes += types.get(e.getKey()).get("bytes").asLong();
        }
        assertEquals(151, info.get("tensors").asInt());
        assertTrue(tensorBytes < params.get("bytes").asLong() && tensorBytes > params.get("bytes").asLong() * 0.99,
                "tensor data is nearly all of the file: " + tensorBytes);

        // F32 K and V of 6 layers x 2 KV heads x 64 over 2048 positions; sliding layers 0-3 and 5 keep only
        // their window (16) plus one batch of 256 positions.
        long kv = 2L * 4 * 2 * 64 * (2048 + 5 * (16 + 256));
        assertEquals(kv, info.get("kv_cache_bytes").asLong());
        assertEquals(params.get("bytes").asLong() + kv, info.get("memory_needed_bytes").asLong());
        assertEquals(2L * 4 * 2 * 64 * (512 + 5 * (16 + 256)),
                info("info", "--model", Golden.model(name).toString(), "--json", "--context", "512")
                        .get("kv_cache_bytes").asLong());
    }

    @Test
    void textOutputShowsTheSameFacts() {
        CliRun r = CliRun.of("info", "--model", Golden.model("gemma3n-tiny6-tinyvocab-f32").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\nlayers            6\n"), r.out());
        assertTrue(r.out().contains("\nvocab size        500\n"), r.out());
        assertTrue(r.out().contains("\nquant types       F32: tensors "), r.out());
        assertTrue(r.out().contains("\nmemory needed     "), r.out());
    }

    @Test
    void aVocabularyOnlyFileReportsItsVocabulary() throws Exception {
        JsonNode info = info("info", "--model", Golden.model("gemma3-vocab").toString(), "--json");
        assertTrue(info.get("vocabulary_only").asBoolean());
        assertEquals(262144, info.get("vocab_size").asInt());
        assertEquals(0, info.get("tensors").asInt());
    }
}
