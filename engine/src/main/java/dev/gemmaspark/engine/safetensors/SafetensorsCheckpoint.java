package dev.gemmaspark.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Hugging Face checkpoint: one {@code .safetensors} file, or a folder of shards listed by
 * {@code model.safetensors.index.json} (or, without an index, every {@code .safetensors} file in the folder).
 * All files are mapped into one shared arena; closing the checkpoint unmaps them and invalidates every tensor.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Arena arena;
    private final Map<String, SafetensorsFile> fileOfTensor;

    private SafetensorsCheckpoint(Path path, Arena arena, Map<String, SafetensorsFile> fileOfTensor) {
        this.path = path;
        this.arena = arena;
        this.fileOfTensor = Collections.unmodifiableMap(fileOfTensor);
    }

    /** Opens a {@code .safetensors} file, an index JSON, or a folder holding either. */
    public static SafetensorsCheckpoint open(Path path) {
        if (!Files.exists(path)) {
            throw new SafetensorsFormatException("checkpoint " + path + " does not exist");
        }
        Arena arena = Arena.ofShared();
        try {
            Map<String, SafetensorsFile> tensors;
            if (Files.isDirectory(path) && Files.isRegularFile(path.resolve(INDEX_FILE))) {
                tensors = openIndexed(path.resolve(INDEX_FILE), arena);
            } else if (Files.isDirectory(path)) {
                tensors = openAll(path, arena);
            } else if (path.getFileName().toString().endsWith(".json")) {
                tensors = openIndexed(path, arena);
            } else {
                tensors = new LinkedHashMap<>();
                addAll(SafetensorsFile.map(path, arena), tensors);
            }
            return new SafetensorsCheckpoint(path, arena, tensors);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, SafetensorsFile> openIndexed(Path index, Arena arena) {
        JsonNode map;
        try {
            map = JSON.readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new SafetensorsFormatException("checkpoint index " + index + ": not readable JSON (" + e.getMessage() + ")", e);
        }
        if (map == null || !map.isObject()) {
            throw new SafetensorsFormatException("checkpoint index " + index + ": no \"weight_map\" object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String shardName = e.getValue().asText();
            Path shardPath = index.resolveSibling(shardName);
            if (!Files.isRegularFile(shardPath)) {
                throw new SafetensorsFormatException("checkpoint index " + index + ": tensor " + e.getKey() + " is in shard "
                        + shardName + ", which does not exist");
            }
            SafetensorsFile shard = shards.computeIfAbsent(shardName, s -> SafetensorsFile.map(shardPath, arena));
            if (!shard.contains(e.getKey())) {
                throw new SafetensorsFormatException("checkpoint index " + index + " puts tensor " + e.getKey() + " in "
                        + shardPath + ", which has no such tensor");
            }
            tensors.put(e.getKey(), shard);
        }
        return tensors;
    }

    private static Map<String, SafetensorsFile> openAll(Path dir, Arena arena) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint folder " + dir, e);
        }
        if (files.isEmpty()) {
            throw new SafetensorsFormatException("checkpoint folder " + dir + " has no .safetensors file and no " + INDEX_FILE);
        }
        Map<String, SafetensorsFile> tensors = new LinkedHashMap<>();
        for (Path f : files) {
            addAll(SafetensorsFile.map(f, arena), tensors);
        }
        return tensors;
    }

    private static void addAll(SafetensorsFile file, Map<String, SafetensorsFile> tensors) {
        for (String name : file.names()) {
            SafetensorsFile previous = tensors.put(name, file);
            if (previous != null) {
                throw new SafetensorsFormatException("tensor " + name + " is in both " + previous.path() + " and " + file.path());
            }
        }
    }

    public Path path() {
        return path;
    }

    public Set<String> names() {
        return fileOfTensor.keySet();
    }

    public boolean contains(String name) {
        return fileOfTensor.containsKey(name);
    }

    /** The tensor named {@code name}; throws, naming the checkpoint and the tensor, when there is none. */
    public SafetensorsTensor tensor(String name) {
        SafetensorsFile file = fileOfTensor.get(name);
        if (file == null) {
            throw new SafetensorsFormatException("checkpoint " + path + " has no tensor " + name);
        }
        return file.tensor(name);
    }

    /** The tensor named {@code name}, which must have exactly the shape {@code shape}. */
    public SafetensorsTensor tensor(String name, long... shape) {
        return tensor(name).requireShape(shape);
    }

    @Override
    public void close() {
        arena.close();
    }
}
