package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.safetensors.SafetensorsCheckpoint;
import dev.gemmaspark.engine.safetensors.SafetensorsTensor;

/** Audio weights from an HF checkpoint, under their own names. */
final class SafetensorsAudioWeights implements AudioWeights {
    private final SafetensorsCheckpoint checkpoint;

    SafetensorsAudioWeights(SafetensorsCheckpoint checkpoint) {
        this.checkpoint = checkpoint;
    }

    @Override
    public Stored tensor(String hfName, long... shape) {
        SafetensorsTensor t = checkpoint.tensor(hfName, shape);
        return new Stored(t.name(), t.ggmlType(), t.data());
    }
}
