package dev.gemmaspark.engine.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.safetensors.SafetensorsCheckpoint;
import dev.gemmaspark.engine.safetensors.SafetensorsTensor;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audio tower read from a GGUF under llama.cpp's converter names (gemma3n-multimodal spec 3.9). */
class GgufAudioWeightsTest {
    @TempDir
    Path dir;

    @Test
    void namesAreTheConvertersNames() {
        String t = "model.audio_tower.";
        assertEquals("a.conv1d.1.weight", GgufAudioWeights.ggufName(t + "subsample_conv_projection.conv_1.conv.weight"));
        assertEquals("a.conv1d.0.norm.weight", GgufAudioWeights.ggufName(t + "subsample_conv_projection.conv_0.norm.weight"));
        assertEquals("a.pre_encode.out.weight", GgufAudioWeights.ggufName(t + "subsample_conv_projection.input_proj_linear.weight"));
        assertEquals("a.blk.11.ffn_up_1.weight", GgufAudioWeights.ggufName(t + "conformer.11.ffw_layer_end.ffw_layer_1.weight"));
        assertEquals("a.blk.0.ln1.weight", GgufAudioWeights.ggufName(t + "conformer.0.attention.pre_attn_norm.weight"));
        assertEquals("a.blk.2.linear_pos.weight",
                GgufAudioWeights.ggufName(t + "conformer.2.attention.attn.relative_position_embedding.pos_proj.weight"));
        assertEquals("a.blk.2.per_dim_scale", GgufAudioWeights.ggufName(t + "conformer.2.attention.attn.per_dim_scale"));
        assertEquals("a.blk.3.conv_norm.weight", GgufAudioWeights.ggufName(t + "conformer.3.lconv1d.pre_layer_norm.weight"));
        assertEquals("a.blk.3.norm_conv.weight", GgufAudioWeights.ggufName(t + "conformer.3.lconv1d.conv_norm.weight"));
        assertEquals("a.blk.4.layer_pre_norm.weight", GgufAudioWeights.ggufName(t + "conformer.4.norm.weight"));
        assertEquals("mm.a.input_projection.weight", GgufAudioWeights.ggufName("model.embed_audio.embedding_projection.weight"));
        assertEquals("mm.a.soft_emb_norm.weight", GgufAudioWeights.ggufName("model.embed_audio.soft_embedding_norm.weight"));
    }

    @Test
    void ggufCopyOfTheCheckpointEncodesIdentically() throws IOException {
        Path gguf = dir.resolve("audio.gguf");
        convert(SmallSharp.weights(), gguf, null);
        float[] speech = SmallSharp.waveforms("speech_espeak").get(0);
        AudioConfig config = SmallSharp.config();
        try (ThreadPool pool = new ThreadPool(2);
                AudioEncoder fromSafetensors = AudioEncoder.load(SmallSharp.weights(), config, pool);
                AudioEncoder fromGguf = AudioEncoder.load(gguf, config, pool)) {
            AudioEmbedding expected = fromSafetensors.embed(speech);
            assertArrayEquals(expected.embeddings(), fromGguf.embed(speech).embeddings());
            assertArrayEquals(fromSafetensors.hardEmbedding(262272), fromGguf.hardEmbedding(262272));
        }
    }

    @Test
    void textModelWithoutAudioAndMissingTensorsAreNamed() throws IOException {
        Path text = dir.resolve("text.gguf");
        new GgufWriter().f32("token_embd.weight", new long[] {4, 2}, new float[8]).write(text);
        try (GGUFFile file = GGUFFile.open(text); ThreadPool pool = new ThreadPool(1)) {
            assertFalse(AudioEncoder.hasAudioTower(file));
            var e = assertThrows(IllegalArgumentException.class, () -> AudioEncoder.load(file, SmallSharp.config(), pool));
            assertTrue(e.getMessage().contains("text.gguf") && e.getMessage().contains("no Gemma 3n audio tower"), e.getMessage());
        }
        Path partial = dir.resolve("partial.gguf");
        String dropped = "model.audio_tower.conformer.1.lconv1d.linear_end.weight";
        convert(SmallSharp.weights(), partial, dropped);
        try (ThreadPool pool = new ThreadPool(1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> AudioEncoder.load(partial, SmallSharp.config(), pool));
            assertTrue(e.getMessage().contains("partial.gguf") && e.getMessage().contains("a.blk.1.conv_pw2.weight")
                    && e.getMessage().contains(dropped), e.getMessage());
        }
    }

    /** Every tensor under its GGUF name with reversed dimensions; the depthwise kernels squeezed as some converters do. */
    private static void convert(Path safetensors, Path gguf, String skip) throws IOException {
        GgufWriter w = new GgufWriter();
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(safetensors)) {
            for (String name : ckpt.names()) {
                if (name.equals(skip)) {
                    continue;
                }
                SafetensorsTensor t = ckpt.tensor(name);
                long[] shape = name.endsWith("depthwise_conv1d.weight") ? new long[] {t.shape()[0], t.shape()[2]} : t.shape();
                long[] ne = new long[shape.length];
                for (int i = 0; i < ne.length; i++) {
                    ne[i] = shape[shape.length - 1 - i];
                }
                w.f32(GgufAudioWeights.ggufName(name), ne, t.toFloatArray());
            }
        }
        w.write(gguf);
    }
}
