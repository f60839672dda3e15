package dev.gemmaspark.connector.options;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Every option of the connector, by the name users write: {@code spark.gemma.<name>} in the Spark
 * configuration, {@code <name>} in a per-call options map or a DataSource {@code .option(...)}.
 */
public enum GemmaOption {
    MODEL("model", null, "path or URI of the Gemma 3n GGUF file (local, hdfs://, s3a://, ...); required"),
    AUDIO_WEIGHTS("audioWeights", "", "path or URI of the audio tower and embedder: a Hugging Face safetensors file "
            + "(with its config.json beside it), a checkpoint folder, or a GGUF holding them; empty takes them from the "
            + "model's GGUF, if it has them"),
    AUDIO_Q8_0("audioQ8_0", "false", "quantize the audio tower's linear layers to Q8_0 when an executor loads them "
            + "(half the memory of BF16/F16 weights)"),
    MMPROJ("mmproj", "", "path or URI of the vision projector (the mmproj GGUF that comes with the model) for images;"
            + " empty for none"),
    MAX_TOKENS("maxTokens", "256", "the most tokens generated per row"),
    TEMPERATURE("temperature", "0", "sampling temperature; 0 is greedy"),
    TOP_K("topK", "0", "keep the k most likely tokens; 0 keeps all"),
    TOP_P("topP", "1", "nucleus sampling threshold in (0, 1]"),
    MIN_P("minP", "0", "drop tokens below minP times the top probability, in [0, 1]"),
    SEED("seed", "0", "base seed; each row samples with a seed derived from it and the row's input (a transcription"
            + " samples with the seed itself)"),
    STOP("stop", "", "a stop string, or a JSON array of stop strings"),
    SYSTEM_PROMPT("systemPrompt", "", "a system instruction put before every prompt; empty for none"),
    TRANSCRIBE_PROMPT("transcribePrompt", "Transcribe this audio.", "the instruction that follows the audio in "
            + "a transcription's user turn"),
    PARSE_SPECIAL("parseSpecial", "false", "parse control-token text such as <start_of_turn> in a row's text into "
            + "control tokens; false keeps a row's text plain text, whatever it contains"),
    TRUNCATE("truncate", "false", "cut a row whose prompt does not fit contextLength, keeping its head, instead of "
            + "giving the row an error"),
    BATCH_SIZE("batchSize", "32", "rows handed to the engine in one call"),
    CONTEXT_LENGTH("contextLength", "4096", "the most tokens (prompt plus output) of one row: 0 (the model's own) or "
            + "at least 2, at most the model's training context (the default is capped there)"),
    MAX_SEQUENCES("maxSequences", "0", "sequences an executor decodes together; 0 chooses from the executor's memory "
            + "and cores"),
    KV_CACHE_MB("kvCacheMB", "0", "the KV-cache memory of an executor, in MiB; 0 chooses from the executor's memory"),
    PREFIX_CACHE_MB("prefixCacheMB", "256", "memory of an executor, in MiB, for the KV entries of prompt prefixes that"
            + " later rows starting with the same tokens copy instead of computing; 0 turns the cache off"),
    THREADS("threads", "0", "engine threads per executor; 0 follows spark.executor.cores (else all processors)"),
    DEVICE("device", "cpu", "where executors run the text decoder: cpu; opencl, the GPU Spark gave the task "
            + "(spark.executor.resource.gpu.amount and spark.task.resource.gpu.amount, its address taken as an OpenCL "
            + "device number) or else the first OpenCL device; or opencl:N, OpenCL device N as `gemma-spark info "
            + "--device` numbers them"),
    FAIL_ON_ERROR("failOnError", "false", "fail the task on the first row that fails, instead of a null result"),
    LOCAL_CACHE_DIR("localCacheDir", "", "where executors keep local copies of remote models; empty is "
            + "<java.io.tmpdir>/gemma-spark-models");

    /** Prefix of the options in the Spark (session) configuration. */
    public static final String CONF_PREFIX = "spark.gemma.";

    private final String key;
    private final String defaultValue;
    private final String doc;

    GemmaOption(String key, String defaultValue, String doc) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.doc = doc;
    }

    /** The name without prefix, as written in option maps. */
    public String key() {
        return key;
    }

    /** The Spark configuration key. */
    public String confKey() {
        return CONF_PREFIX + key;
    }

    /** The default as text; null when the option is required. */
    public String defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    /** The option named {@code name}, ignoring case (DataSource options arrive lower-cased). */
    public static Optional<GemmaOption> byKey(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(o -> o.key.toLowerCase(Locale.ROOT).equals(lower)).findFirst();
    }

    /** All option names, for messages. */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(GemmaOption::key).toList());
    }
}
