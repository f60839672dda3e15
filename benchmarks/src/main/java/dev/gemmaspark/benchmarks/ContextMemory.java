package dev.gemmaspark.benchmarks;

import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GemmaWeights;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.model.KVCache;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a second context on the same weights costs in resident memory, as an executor pays it when two queries ask
 * for different context lengths: the weights are loaded once, then a context of 512 positions and one of 2048 each
 * decode {@code sequences} requests, and the process's resident memory (VmRSS) is read after each step, beside the
 * KV bytes its caches hold ({@link KVCache#bytesFor}: global layers keep every position, sliding ones the window and a
 * chunk). Run with {@code java --add-modules
 * jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.gemmaspark.benchmarks.ContextMemory M.gguf
 * [sequences]}.
 */
public final class ContextMemory {
    private ContextMemory() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ContextMemory M.gguf [sequences (default 4)]");
            System.exit(2);
        }
        Path path = Path.of(args[0]);
        int sequences = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        long start = residentBytes();
        try (GemmaWeights weights = GemmaWeights.load(path, null, false)) {
            report("weights loaded (interleaved copies made, file not yet read through)", start);
            List<GemmaModel> contexts = new ArrayList<>();
            try {
                for (int length : new int[] {512, 2048}) {
                    long before = residentBytes();
                    EngineOptions options = EngineOptions.defaults().withContextLength(length)
                            .withMaxSequences(sequences);
                    GemmaModel context = GemmaModel.create(weights, options);
                    contexts.add(context);
                    List<GenerationRequest> requests = new ArrayList<>();
                    for (int i = 0; i < sequences; i++) {
                        requests.add(GenerationRequest.chat("Say something about the number " + i + ".",
                                SamplingParams.GREEDY.withMaxTokens(4)));
                    }
                    context.generateAll(requests);
                    long kv = sequences * KVCache.bytesFor(weights.config(), length, options.batchTokens());
                    report(String.format("context of %d positions, %d sequences decoded (KV %.0f MiB)", length,
                            sequences, kv / 1048576.0), before);
                }
            } finally {
                contexts.forEach(GemmaModel::close);
            }
        }
    }

    private static void report(String what, long since) throws IOException {
        long now = residentBytes();
        System.out.printf("%-80s resident %7.0f MiB (%+7.0f MiB)%n", what, now / 1048576.0,
                (now - since) / 1048576.0);
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("/proc/self/status has no VmRSS line");
    }
}
