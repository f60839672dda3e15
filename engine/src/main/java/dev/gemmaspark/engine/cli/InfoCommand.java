package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.KVCache;
import dev.gemmaspark.engine.opencl.ClDevice;
import dev.gemmaspark.engine.opencl.OpenCL;
import java.io.IOException;
import dev.gemmaspark.engine.vision.VisionConfig;
import dev.gemmaspark.engine.vision.VisionEncoder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code info}: what a model file holds and how much memory generating with it takes (the mapped file plus the
 * KV cache of one sequence); reads only the GGUF header. For a vision projector (mmproj) it reports the
 * MobileNetV5 network found in it, block by block.
 */
final class InfoCommand implements Command {
    private static final Option JSON = Option.flag("--json", "print one JSON object");
    private static final Option DEVICES = Option.flag("--device",
            "list the OpenCL devices, numbered as --device opencl:N of the other commands names them (--model is then"
                    + " optional)");

    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "architecture, dimensions, quant types, vocabulary size and memory needs of a model file";
    }

    @Override
    public String synopsis() {
        return "(--model M.gguf [--context N] | --mmproj P.gguf) [--json] | --device [--json]";
    }

    @Override
    public List<Option> options() {
        return List.of(ModelOptions.MODEL, ModelOptions.CONTEXT, ModelOptions.MMPROJ, JSON, DEVICES);
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        if (args.has(DEVICES.name())) {
            ArrayNode devices = devices();
            if (args.has(JSON.name())) {
                out.println(Main.JSON.writeValueAsString(Main.JSON.createObjectNode().set("opencl_devices", devices)));
            } else if (devices.isEmpty()) {
                out.println("no OpenCL device (install a GPU driver with OpenCL, or PoCL: apt-get install"
                        + " pocl-opencl-icd)");
            } else {
                for (JsonNode d : devices) {
                    out.printf("opencl:%d  %s (%s) on %s, %s, %s global memory, %d compute units%n",
                            d.get("index").asInt(), d.get("name").asText(), d.get("type").asText(),
                            d.get("platform").asText(), d.get("version").asText(),
                            humanBytes(d.get("global_memory_bytes").asLong()), d.get("compute_units").asInt());
                }
            }
            if (!args.has(ModelOptions.MODEL.name()) && !args.has(ModelOptions.MMPROJ.name())) {
                return;
            }
        }
        args.requireOneOf(ModelOptions.MODEL.name(), ModelOptions.MMPROJ.name());
        int context = ModelOptions.context(args);
        ObjectNode info;
        Path path = args.has(ModelOptions.MMPROJ.name()) ? args.path(ModelOptions.MMPROJ.name()) : ModelOptions.model(args);
        try (GGUFFile file = GGUFFile.open(path)) {
            info = describe(file, context);
        }
        if (args.has(JSON.name())) {
            out.println(Main.JSON.writeValueAsString(info));
        } else {
            printText(info, out);
        }
    }

    /** The OpenCL devices as {@code info --device} reports them; a missing OpenCL library says so and lists none. */
    static ArrayNode devices() {
        ArrayNode out = Main.JSON.createArrayNode();
        if (!OpenCL.libraryLoaded()) {
            return out;
        }
        for (ClDevice d : OpenCL.devices()) {
            out.addObject().put("index", d.index()).put("name", d.name()).put("type", d.typeName())
                    .put("platform", d.platform()).put("version", d.version()).put("driver", d.driverVersion())
                    .put("global_memory_bytes", d.globalMemory()).put("max_allocation_bytes", d.maxAllocation())
                    .put("compute_units", d.computeUnits());
        }
        return out;
    }

    /** The facts {@code info} reports, as the JSON object it prints. */
    static ObjectNode describe(GGUFFile file, int context) {
        ObjectNode o = Main.JSON.createObjectNode();
        o.put("file", file.path().toString());
        o.put("file_size_bytes", file.fileSize());
        o.put("gguf_version", file.version());
        o.put("architecture", file.getString("general.architecture", "(none)"));
        if (file.has("general.name")) {
            o.put("name", file.getString("general.name"));
        }
        if (o.get("architecture").asText().equals("clip")) {
            describeProjector(file, o);
            return o;
        }
        if (file.tensors().isEmpty()) {
            // A vocabulary-only file (e.g. for tokenize) has no dimensions to report.
            o.put("vocabulary_only", true);
            o.put("vocab_size", file.has("tokenizer.ggml.tokens")
                    ? file.getStringArray("tokenizer.ggml.tokens").length : 0);
            o.put("tensors", 0);
            return o;
        }
        Gemma3nConfig c = Gemma3nConfig.fromGGUF(file);
        o.put("layers", c.nLayer());
        o.put("embedding_length", c.nEmbd());
        o.put("heads", c.nHead());
        o.put("kv_heads", c.nHeadKv());
        o.put("head_dim", c.headDim());
        o.put("ffn_length", c.nFF());
        o.put("vocab_size", c.vocabSize());
        o.put("context_length", c.contextLength());
        o.put("sliding_window", c.slidingWindow());
        ArrayNode global = o.putArray("global_layers");
        for (int l = 0; l < c.nLayer(); l++) {
            if (!c.sliding()[l]) {
                global.add(l);
            }
        }
        o.put("tensors", file.tensors().size());
        Map<GGMLType, long[]> byType = new TreeMap<>();
        for (TensorInfo t : file.tensors().values()) {
            long[] countAndBytes = byType.computeIfAbsent(t.type(), k -> new long[2]);
            countAndBytes[0]++;
            countAndBytes[1] += t.byteSize();
        }
        ObjectNode types = o.putObject("quant_types");
        byType.forEach((type, cb) -> types.putObject(type.name()).put("tensors", cb[0]).put("bytes", cb[1]));
        // as GemmaModel sizes it: capped at the training context
        int tokens = context == 0 ? c.contextLength() : Math.min(context, c.contextLength());
        long kv = KVCache.bytesFor(c, tokens, EngineOptions.defaults().batchTokens());
        o.put("kv_cache_tokens", tokens);
        o.put("kv_cache_bytes", kv);
        o.put("memory_needed_bytes", file.fileSize() + kv);
        return o;
    }

    /** A vision projector: its input size, widths, parameters and the blocks found from its tensor names. */
    private static void describeProjector(GGUFFile file, ObjectNode o) {
        VisionEncoder encoder = VisionEncoder.load(file, null);
        VisionConfig c = encoder.config();
        o.put("projector", "gemma3nv (MobileNetV5)");
        o.put("image_size", c.imageSize());
        o.put("image_tokens", VisionConfig.TOKENS);
        o.put("vision_width", c.width());
        o.put("text_width", c.textWidth());
        o.put("blocks", c.blockCount());
        o.put("parameters", encoder.parameters());
        o.put("tensors", file.tensors().size());
        ArrayNode network = o.putArray("network");
        encoder.describe().forEach(network::add);
    }

    private static void printText(ObjectNode info, PrintStream out) {
        for (Map.Entry<String, JsonNode> e : info.properties()) {
            String label = e.getKey().replaceFirst("_bytes$", "").replace('_', ' ');
            if (e.getValue().isObject()) {
                // One line per entry, e.g. per quant type: "F32: tensors 12, bytes 3.0 MiB (3145728 bytes)".
                for (Map.Entry<String, JsonNode> sub : e.getValue().properties()) {
                    StringBuilder b = new StringBuilder();
                    for (Map.Entry<String, JsonNode> field : sub.getValue().properties()) {
                        b.append(b.isEmpty() ? "" : ", ").append(field.getKey()).append(' ')
                                .append(value(field.getKey(), field.getValue()));
                    }
                    out.printf("%-18s%s: %s%n", label, sub.getKey(), b);
                    label = "";
                }
            } else if (e.getValue().isArray() && !e.getValue().isEmpty() && e.getValue().get(0).isTextual()) {
                // one line per entry, e.g. the blocks of a projector's network
                for (JsonNode line : e.getValue()) {
                    out.printf("%-18s%s%n", label, line.asText());
                    label = "";
                }
            } else {
                out.printf("%-18s%s%n", label, value(e.getKey(), e.getValue()));
            }
        }
    }

    private static String value(String key, JsonNode v) {
        if (key.endsWith("bytes") && v.isNumber()) {
            return humanBytes(v.asLong()) + " (" + v.asLong() + " bytes)";
        }
        if (v.isArray()) {
            StringBuilder b = new StringBuilder();
            v.forEach(x -> b.append(b.isEmpty() ? "" : ", ").append(x.asText()));
            return b.toString();
        }
        return v.asText();
    }

    static String humanBytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
