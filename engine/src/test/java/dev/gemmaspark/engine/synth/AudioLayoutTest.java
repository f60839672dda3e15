package dev.gemmaspark.engine.synth;

import dev.gemmaspark.engine.audio.AudioConfig;
import dev.gemmaspark.engine.gguf.GGMLType;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The real-size audio tower against gemma3n-multimodal spec 3.9/3.10 and golden/audio/README.md's real_sharp
 * weight table and self-test values.
 */
class AudioLayoutTest {
    private static final String TOWER = "model.audio_tower.";
    private static final Map<String, TensorSpec> REAL = AudioLayout.tensors(AudioConfig.GEMMA3N).stream()
            .collect(Collectors.toMap(TensorSpec::name, Function.identity()));

    private static Draw.KeyedUniform draw(String ggufName) {
        return (Draw.KeyedUniform) REAL.get(ggufName).draw();
    }

    @Test
    void hasTheRealTowersTensorsAndParameterCount() {
        assertEquals(273, REAL.size());
        assertEquals(684_694_048L, REAL.values().stream().mapToLong(TensorSpec::elements).sum());
        assertArrayEquals(new long[] {3, 3, 1, 128}, REAL.get("a.conv1d.0.weight").ne());
        assertArrayEquals(new long[] {3, 3, 128, 32}, REAL.get("a.conv1d.1.weight").ne());
        assertArrayEquals(new long[] {32}, REAL.get("a.conv1d.1.norm.weight").ne());
        assertArrayEquals(new long[] {1024, 1536}, REAL.get("a.pre_encode.out.weight").ne());
        assertArrayEquals(new long[] {1536, 6144}, REAL.get("a.blk.11.ffn_up_1.weight").ne());
        assertArrayEquals(new long[] {6144, 1536}, REAL.get("a.blk.0.ffn_down.weight").ne());
        assertArrayEquals(new long[] {1536, 3072}, REAL.get("a.blk.5.conv_pw1.weight").ne());
        assertArrayEquals(new long[] {5, 1, 1536}, REAL.get("a.blk.5.conv_dw.weight").ne());
        assertArrayEquals(new long[] {192}, REAL.get("a.blk.5.per_dim_scale").ne());
        assertArrayEquals(new long[] {1536, 128}, REAL.get("mm.a.embedding.weight").ne());
        assertArrayEquals(new long[] {1536, 2048}, REAL.get("mm.a.input_projection.weight").ne());
        assertEquals(11, REAL.get("a.blk.11.layer_pre_norm.weight").layer());
        assertEquals(-1, REAL.get("mm.a.soft_emb_norm.weight").layer());
    }

    @Test
    void drawsTheReadmesRealSharpDistributions() {
        String b = TOWER + "conformer.3.";
        assertEquals(new Draw.KeyedUniform(TOWER + "subsample_conv_projection.conv_1.conv.weight", 0,
                0.029462782549439483), draw("a.conv1d.1.weight"));
        assertEquals(new Draw.KeyedUniform(TOWER + "subsample_conv_projection.input_proj_linear.weight", 0, 0.03125),
                draw("a.pre_encode.out.weight"));
        assertEquals(new Draw.KeyedUniform(b + "ffw_layer_start.ffw_layer_2.weight", 0, 0.012757759076995721),
                draw("a.blk.3.ffn_down.weight"));
        assertEquals(new Draw.KeyedUniform(b + "attention.attn.relative_position_embedding.pos_proj.weight", 0,
                0.1275775907699572), draw("a.blk.3.linear_pos.weight"));
        assertEquals(new Draw.KeyedUniform(b + "attention.attn.k_proj.weight", 0, 0.1275775907699572),
                draw("a.blk.3.attn_k.weight"));
        assertEquals(new Draw.KeyedUniform(b + "attention.attn.v_proj.weight", 0, 0.025515518153991442),
                draw("a.blk.3.attn_v.weight"));
        assertEquals(new Draw.KeyedUniform(b + "lconv1d.depthwise_conv1d.weight", 0, 0.4472135954999579),
                draw("a.blk.3.conv_dw.weight"));
        assertEquals(new Draw.KeyedUniform(b + "lconv1d.conv_norm.weight", 1, 0.1), draw("a.blk.3.norm_conv.weight"));
        assertEquals(new Draw.KeyedUniform(b + "attention.attn.per_dim_scale", 0.5, 1), draw("a.blk.3.per_dim_scale"));
        assertEquals(new Draw.KeyedUniform("model.embed_audio.embedding.weight", 0, 1), draw("mm.a.embedding.weight"));
        assertEquals(new Draw.KeyedUniform("model.embed_audio.embedding_projection.weight", 0, 0.025515518153991442),
                draw("mm.a.input_projection.weight"));
    }

    @Test
    void reproducesTheReadmesSelfTestValues() {
        Draw.KeyedUniform test = new Draw.KeyedUniform("test", 0, 1);
        assertEquals(0xf9e6e6ef197c2b25L, test.streamKey(0));
        assertBits(test, 0, 0xbf469b2f, 0x3fa8b598, 0x3fc0d6fe);
        Draw.KeyedUniform conv0 = draw("a.conv1d.0.weight");
        assertEquals(0x58ce7e7a29ecc83eL, conv0.streamKey(2));
        assertBits(conv0, 2, 0x3ecb737b, 0xbebe3f5f, 0xbe495c62, 0x3f01f27a);
        assertBits(draw("a.blk.0.per_dim_scale"), 2, 0x3f4bedf5, 0xbee586f5, 0x3eb9b07e, 0x3f99224d);
    }

    private static void assertBits(Draw.KeyedUniform d, long seed, int... bits) {
        long key = d.streamKey(seed);
        for (int i = 0; i < bits.length; i++) {
            assertEquals(Integer.toHexString(bits[i]), Integer.toHexString(Float.floatToRawIntBits(d.value(key, i))),
                    d.key() + " element " + i);
        }
    }

    @Test
    void typesAreTheConvertersF16WithF32ConvolutionsAndVectors() {
        for (GGMLType quant : new GGMLType[] {GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q8_0, GGMLType.F16}) {
            assertEquals(GGMLType.F32, QuantPolicy.audioTensorType(quant, "a.conv1d.0.weight", 4));
            assertEquals(GGMLType.F32, QuantPolicy.audioTensorType(quant, "a.blk.2.conv_dw.weight", 3));
            assertEquals(GGMLType.F32, QuantPolicy.audioTensorType(quant, "a.blk.2.per_dim_scale", 1));
            assertEquals(GGMLType.F32, QuantPolicy.audioTensorType(quant, "a.blk.2.ln1.weight", 1));
            assertEquals(GGMLType.F16, QuantPolicy.audioTensorType(quant, "a.pre_encode.out.weight", 2));
            assertEquals(GGMLType.F16, QuantPolicy.audioTensorType(quant, "a.blk.2.attn_q.weight", 2));
            assertEquals(GGMLType.F16, QuantPolicy.audioTensorType(quant, "mm.a.embedding.weight", 2));
        }
        assertEquals(GGMLType.BF16, QuantPolicy.audioTensorType(GGMLType.BF16, "a.blk.2.ffn_up.weight", 2));
        assertEquals(GGMLType.F16, QuantPolicy.audioTensorType(GGMLType.BF16, "a.pre_encode.out.weight", 2));
        assertEquals(GGMLType.F32, QuantPolicy.audioTensorType(GGMLType.F32, "a.blk.2.ffn_up.weight", 2));
    }
}
