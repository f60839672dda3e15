package dev.gemmaspark.engine.audio;

import dev.gemmaspark.engine.Golden;
import java.nio.file.Path;

/** The HF reference data under test resources {@code golden/audio/} (see its README). */
public final class AudioGolden {

    private AudioGolden() {
    }

    public static Path path(String relative) {
        return Golden.path("audio/" + relative);
    }

    public static Golden.Npy npy(String relative) {
        return Golden.npyArray("audio/" + relative);
    }
}
