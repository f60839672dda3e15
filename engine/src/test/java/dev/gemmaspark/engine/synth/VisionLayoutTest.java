package dev.gemmaspark.engine.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The synthetic projector has the real tower's shapes: the parameter count of the gemma3n-vision spec, 7.2. */
class VisionLayoutTest {

    @Test
    void theRealTowerHas298MillionParameters() {
        long params = 0;
        int blocks = 0;
        for (VisionLayout.Tensor t : VisionLayout.tensors(2048)) {
            params += t.spec().elements();
            String name = t.spec().name();
            if (name.endsWith(".pw_proj.bn.weight") || name.endsWith(".bn2.weight") || name.endsWith(".attn.output.proj.weight")) {
                blocks += name.startsWith("v.blk.") ? 1 : 0;
            }
        }
        assertEquals(298_323_264L, params);
        assertEquals(84, blocks);
    }
}
