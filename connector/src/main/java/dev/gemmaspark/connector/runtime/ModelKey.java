package dev.gemmaspark.connector.runtime;

import dev.gemmaspark.connector.options.GemmaSettings;
import dev.gemmaspark.engine.EngineOptions;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.resource.ResourceUtils;

/**
 * What a task asks an executor's {@link ModelRegistry} for: the model and its audio weights as the user named them
 * (paths or URIs), how it runs, and where remote files are copied to. Only part of it tells models apart: the
 * weights are shared by everything with the same {@link #weights()} key, a context by everything with the same
 * {@link #context()} key. The engine threads and the cache folder are details of the executor: a context made with
 * one thread count serves calls that asked for another.
 *
 * @param model         the path or URI of the GGUF file
 * @param audioWeights  the path or URI of the audio tower's weights; null: the GGUF's own, if any
 * @param options       the engine's options
 * @param localCacheDir the directory for local copies of remote files; null for the default
 * @param mmproj        the path or URI of the vision projector (mmproj GGUF); null: none
 */
public record ModelKey(String model, String audioWeights, EngineOptions options, String localCacheDir, String mmproj) {

    /** A model without a vision projector. */
    public ModelKey(String model, String audioWeights, EngineOptions options, String localCacheDir) {
        this(model, audioWeights, options, localCacheDir, null);
    }

    /** What identifies one set of loaded weights: the files and the load-time transforms that change them. */
    public record Weights(String model, String audioWeights, boolean audioQ8_0, String mmproj) {}

    /** What identifies one inference context on those weights: the options that shape its KV memory and batches. */
    public record Context(Weights weights, int contextLength, int maxSequences, int batchTokens, long kvCacheMB,
                          long prefixCacheMB, boolean exactGelu, String device) {}

    public Weights weights() {
        return new Weights(model, audioWeights, options.audioQ8_0(), mmproj);
    }

    public Context context() {
        return new Context(weights(), options.contextLength(), options.maxSequences(), options.batchTokens(),
                options.kvCacheMB(), options.prefixCacheMB(), options.exactGelu(), options.device());
    }

    /**
     * The key of the model {@code settings} ask for in this executor. Unless set, the engine's threads
     * follow the executor's cores: all tasks of the executor share the one context and its thread pool. With
     * {@code device=opencl}, a task that Spark gave a GPU runs on that one ({@link #taskDevice}).
     */
    public static ModelKey of(GemmaSettings settings) {
        int processors = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        int cores = env == null ? processors : env.conf().getInt("spark.executor.cores", processors);
        TaskContext task = TaskContext.get();
        String device = taskDevice(settings.device(), task == null ? Map.of() : task.resourcesJMap());
        return new ModelKey(settings.model(), settings.audioWeights(),
                settings.engineOptions(cores).withDevice(device), settings.localCacheDir(), settings.mmproj());
    }

    /**
     * The OpenCL device of a task: with {@code device=opencl} and a GPU from Spark's resource scheduling ({@code
     * spark.task.resource.gpu.amount}), the GPU's address read as an OpenCL device number, so that the tasks an
     * executor runs at once each use the GPU Spark gave them (the discovery script must list OpenCL device numbers,
     * as {@code gemma-spark info --device} prints them); otherwise {@code device} as set.
     */
    static String taskDevice(String device, Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources.get(ResourceUtils.GPU());
        if (!device.equals("opencl") || gpu == null || gpu.addresses().length == 0) {
            return device;
        }
        String address = gpu.addresses()[0].strip();
        if (!address.matches("[0-9]{1,4}")) {
            throw new IllegalArgumentException("spark.gemma.device=opencl: the task's GPU address '" + address
                    + "' is not an OpenCL device number; make the GPU discovery script list the numbers that"
                    + " `gemma-spark info --device` prints, or set device=opencl:N");
        }
        return "opencl:" + address;
    }
}
