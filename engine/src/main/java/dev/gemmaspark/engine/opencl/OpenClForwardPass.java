package dev.gemmaspark.engine.opencl;

import static dev.gemmaspark.engine.model.Gemma3nConfig.ALTUP_STREAMS;
import static dev.gemmaspark.engine.model.Gemma3nConfig.LAUREL_RANK;
import static dev.gemmaspark.engine.model.Gemma3nConfig.PER_LAYER_DIM;

import dev.gemmaspark.engine.gguf.GGMLType;
import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.gguf.TensorInfo;
import dev.gemmaspark.engine.kernel.ActivationRounding;
import dev.gemmaspark.engine.kernel.VectorMath;
import dev.gemmaspark.engine.kernel.WeightMatrix;
import dev.gemmaspark.engine.model.ForwardBackend;
import dev.gemmaspark.engine.model.ForwardBatch;
import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.Gemma3nModel;
import dev.gemmaspark.engine.model.Gemma3nWeights;
import dev.gemmaspark.engine.model.KVCache;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The Gemma 3n forward pass on an OpenCL device: the whole text decoder as {@link
 * dev.gemmaspark.engine.model.ForwardPass} computes it, with the weights (quantized blocks as in the file) and the
 * KV caches of {@code sequences} sequences in device memory. Per step the token ids, positions, cache rows and
 * embedded inputs go in and the wanted logits rows come out.
 *
 * <p>Quantized weights multiply activations rounded as ggml-cpu rounds them (Q8_0 for Q4_0 and Q8_0 weights, Q8_K
 * for Q4_K and Q6_K, F16 for F16), with exact integer block sums: the CPU backend's arithmetic, summed in another
 * fixed order. Every row's reductions have one order whatever the batch (see {@code gemma3n.cl}), so a sequence's
 * logits do not depend on the other tokens of the step.
 *
 * <p>One thread drives it (the scheduler's). Weights are uploaded per instance: contexts sharing host weights each
 * hold their own device copy.
 */
public final class OpenClForwardPass implements ForwardBackend {
    /** Work-items of every work-group (the kernels' {@code WG}). */
    static final int WG = 64;
    /** The weight types the kernels read. */
    public static final Set<GGMLType> SUPPORTED = EnumSet.of(GGMLType.F32, GGMLType.F16, GGMLType.Q4_0,
            GGMLType.Q8_0, GGMLType.Q4_K, GGMLType.Q6_K);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT;
    private static final float SOFTCAP = Gemma3nConfig.LOGIT_SOFTCAP;

    private final Gemma3nModel model;
    private final Gemma3nConfig c;
    private final ClContext cl;
    private final int maxTokens;
    private final int sequences;
    private final int contextLength;
    private final int maxChunk;
    private final boolean exactGelu;
    private final ActivationRounding rounding;
    private final Kernels k;

    private final Matrix tokenEmbd;
    private final Matrix perLayerTokenEmbd;
    private final Matrix perLayerModelProj;
    private final Matrix[] altupProj;
    private final Matrix[] altupUnembdProj;
    private final Matrix output;
    private final ClBuffer perLayerProjNorm;
    private final ClBuffer outputNorm;
    private final Layer[] layers;

    /** Per KV layer: the keys and values of every slot, slot s's ring at [s * capacity, (s + 1) * capacity) rows. */
    final ClBuffer[] keys;
    final ClBuffer[] values;
    private final int[] capacity;
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();

    private final ClBuffer tokens;
    private final ClBuffer positions;
    private final ClBuffer embedSlots;
    private final ClBuffer baseSliding;
    private final ClBuffer baseGlobal;
    private final ClBuffer outRows;
    private final ClBuffer embeddings;
    private final ClBuffer x0;
    private final ClBuffer perLayer;
    private final ClBuffer perLayerRows;
    private final ClBuffer streams;
    private final ClBuffer pred;
    private final ClBuffer xn;
    private final ClBuffer laurel;
    private final ClBuffer laurelMid;
    private final ClBuffer q;
    private final ClBuffer kCur;
    private final ClBuffer vCur;
    private final ClBuffer kqv;
    private final ClBuffer attn;
    private final ClBuffer al;
    private final ClBuffer up;
    private final ClBuffer gate;
    private final ClBuffer ffn;
    private final ClBuffer tmp;
    private final ClBuffer mod;
    private final ClBuffer gt;
    private final ClBuffer pp;
    private final ClBuffer merged;
    private final ClBuffer outIn;
    private final ClBuffer logits;
    private final ClBuffer scores;
    private final ClBuffer xq;
    private final ClBuffer xd;
    private final ClBuffer xr;
    /** RoPE cos and sin of every position, [positions][head_dim/2]: 0 sliding layers' base, 1 global layers'. */
    private final ClBuffer[] ropeCos = new ClBuffer[2];
    private final ClBuffer[] ropeSin = new ClBuffer[2];
    private final ClBuffer geluTable;

    private final Arena staging = Arena.ofShared();
    private final MemorySegment hostInts;
    private final MemorySegment hostEmbeddings;
    private final MemorySegment hostLogits;
    private final int[][] ints;

    /** A weight matrix in device memory: the file's blocks, rows of {@code rowBytes}. */
    private record Matrix(String name, GGMLType type, ClBuffer data, int rows, int cols, long rowBytes) {
    }

    private record Layer(ClBuffer attnNorm, Matrix attnQ, Matrix attnK, Matrix attnV, Matrix attnOutput,
                         ClBuffer attnQNorm, ClBuffer attnKNorm, ClBuffer postAttentionNorm, ClBuffer ffnNorm,
                         Matrix ffnGate, Matrix ffnUp, Matrix ffnDown, ClBuffer postFfwNorm, Matrix inpGate,
                         Matrix proj, ClBuffer postNorm, ClBuffer altupCorrectCoef, ClBuffer altupCorrectScale,
                         ClBuffer altupPredictCoef, Matrix altupRouter, ClBuffer altupRouterNorm, Matrix laurelL,
                         Matrix laurelR, ClBuffer laurelPostNorm) {
    }

    /**
     * Uploads {@code model}'s weights from {@code file} to {@code device} and allocates the KV caches of {@code
     * sequences} sequences of {@code contextLength} positions fed {@code maxChunk} tokens per pass, after checking
     * that it all fits the device's memory.
     *
     * @param maxTokens the most tokens of one pass (and the most logits rows)
     * @param rounding  how activations are rounded before the matrix products: as llama.cpp does (the engine's
     *                  way), or not at all, with exact f32 products of the dequantized weights (for checks)
     * @throws ClException when a tensor's type has no kernel here, the device's memory is too small, or OpenCL fails
     */
    public static OpenClForwardPass open(ClDevice device, Gemma3nModel model, GGUFFile file, int maxTokens,
                                         int sequences, int contextLength, int maxChunk, boolean exactGelu,
                                         ActivationRounding rounding) {
        checkTypes(model.weights());
        ClContext cl = new ClContext(device);
        try {
            return new OpenClForwardPass(cl, model, file, maxTokens, sequences, contextLength, maxChunk, exactGelu,
                    rounding);
        } catch (RuntimeException | Error e) {
            cl.close();
            throw e;
        }
    }

    private OpenClForwardPass(ClContext cl, Gemma3nModel model, GGUFFile file, int maxTokens, int sequences,
                              int contextLength, int maxChunk, boolean exactGelu, ActivationRounding rounding) {
        if (maxTokens < 1 || sequences < 1) {
            throw new IllegalArgumentException("maxTokens and sequences must be >= 1, got " + maxTokens + " and "
                    + sequences);
        }
        this.model = model;
        this.c = model.config();
        this.cl = cl;
        this.maxTokens = maxTokens;
        this.sequences = sequences;
        this.contextLength = contextLength;
        this.maxChunk = maxChunk;
        this.exactGelu = exactGelu;
        this.rounding = rounding;
        Gemma3nWeights w = model.weights();
        int d = c.nEmbd();
        int lp = c.nLayer() * PER_LAYER_DIM;
        int t = maxTokens;
        int maxCols = Math.max(Math.max(d, c.nFF()), Math.max(c.qDim(), lp));

        capacity = new int[c.kvLayerCount()];
        long kvBytes = 0;
        for (int l = 0; l < capacity.length; l++) {
            capacity[l] = c.sliding()[l] ? Math.min(contextLength, c.slidingWindow() + maxChunk) : contextLength;
            kvBytes += 2L * sequences * capacity[l] * c.kvDim() * Float.BYTES;
        }
        long[] scratch = {
            6L * t * Integer.BYTES,
            (long) t * d * 4 * (2 + 2 * ALTUP_STREAMS + 10),
            (long) t * lp * 4 * 2,
            (long) t * LAUREL_RANK * 4 + (long) t * c.qDim() * 4 * 2 + (long) t * c.kvDim() * 4 * 2,
            (long) t * c.nFF() * 4 * 2 + (long) t * (ALTUP_STREAMS + PER_LAYER_DIM) * 4,
            (long) t * c.vocabSize() * 4,
            (long) t * c.nHead() * contextLength * 4,
            (long) t * maxCols * (1 + 4) + (long) t * maxCols / 32 * 4,
            4L * contextLength * (c.headDim() / 2) * 4 + (1 << 16) * 4L,
        };
        long scratchBytes = 0;
        for (long s : scratch) {
            scratchBytes += s;
        }
        Map<String, Matrix> uploaded = new HashMap<>();
        long weightBytes = weightBytes(file, w);
        ClDevice dev = cl.device();
        if (weightBytes + kvBytes + scratchBytes > dev.globalMemory()) {
            throw new ClException("device=opencl:" + dev.index() + " (" + dev.name() + ") has " + mib(dev.globalMemory())
                    + " MiB of memory; the model needs " + mib(weightBytes) + " MiB of weights, the KV caches "
                    + mib(kvBytes) + " MiB (" + sequences + " sequences of " + contextLength + " tokens) and the"
                    + " activations " + mib(scratchBytes) + " MiB (" + maxTokens + " tokens per pass): lower"
                    + " maxSequences, contextLength or batchTokens, or use a smaller model");
        }

        k = new Kernels(cl, cl.program("gemma3n.cl", ""));
        tokenEmbd = upload(file, w.tokenEmbd, uploaded);
        perLayerTokenEmbd = upload(file, w.perLayerTokenEmbd, uploaded);
        perLayerModelProj = upload(file, w.perLayerModelProj, uploaded);
        altupProj = new Matrix[ALTUP_STREAMS - 1];
        altupUnembdProj = new Matrix[ALTUP_STREAMS - 1];
        for (int s = 0; s < ALTUP_STREAMS - 1; s++) {
            altupProj[s] = upload(file, w.altupProj[s], uploaded);
            altupUnembdProj[s] = upload(file, w.altupUnembdProj[s], uploaded);
        }
        output = upload(file, w.output, uploaded);
        perLayerProjNorm = floats("per_layer_proj_norm.weight", w.perLayerProjNorm);
        outputNorm = floats("output_norm.weight", w.outputNorm);
        layers = new Layer[c.nLayer()];
        for (int l = 0; l < layers.length; l++) {
            Gemma3nWeights.Layer x = w.layers[l];
            String p = "blk." + l + ".";
            layers[l] = new Layer(floats(p + "attn_norm", x.attnNorm()), upload(file, x.attnQ(), uploaded),
                    upload(file, x.attnK(), uploaded), upload(file, x.attnV(), uploaded),
                    upload(file, x.attnOutput(), uploaded), floats(p + "attn_q_norm", x.attnQNorm()),
                    floats(p + "attn_k_norm", x.attnKNorm()), floats(p + "post_attention_norm", x.postAttentionNorm()),
                    floats(p + "ffn_norm", x.ffnNorm()), upload(file, x.ffnGate(), uploaded),
                    upload(file, x.ffnUp(), uploaded), upload(file, x.ffnDown(), uploaded),
                    floats(p + "post_ffw_norm", x.postFfwNorm()), upload(file, x.inpGate(), uploaded),
                    upload(file, x.proj(), uploaded), floats(p + "post_norm", x.postNorm()),
                    floats(p + "altup_correct_coef", x.altupCorrectCoef()),
                    floats(p + "altup_correct_scale", x.altupCorrectScale()),
                    floats(p + "altup_predict_coef", x.altupPredictCoef()), upload(file, x.altupRouter(), uploaded),
                    floats(p + "altup_router_norm", x.altupRouterNorm()), upload(file, x.laurelL(), uploaded),
                    upload(file, x.laurelR(), uploaded), floats(p + "laurel_post_norm", x.laurelPostNorm()));
        }

        keys = new ClBuffer[capacity.length];
        values = new ClBuffer[capacity.length];
        for (int l = 0; l < capacity.length; l++) {
            long bytes = (long) sequences * capacity[l] * c.kvDim() * Float.BYTES;
            keys[l] = cl.buffer("KV cache keys of layer " + l, bytes);
            values[l] = cl.buffer("KV cache values of layer " + l, bytes);
        }
        for (int s = 0; s < sequences; s++) {
            freeSlots.add(s);
        }

        tokens = ints("token ids", t);
        positions = ints("positions", t);
        embedSlots = ints("embedded inputs", t);
        baseSliding = ints("cache rows", t);
        baseGlobal = ints("cache rows", t);
        outRows = ints("logits rows", t);
        embeddings = floats("embedded inputs", (long) t * d);
        x0 = floats("inp_scaled", (long) t * d);
        perLayer = floats("inp_per_layer", (long) t * lp);
        perLayerRows = floats("per_layer_token_embd rows", (long) t * lp);
        streams = floats("AltUp streams", (long) ALTUP_STREAMS * t * d);
        pred = floats("AltUp predictions", (long) ALTUP_STREAMS * t * d);
        xn = floats("attn_norm", (long) t * d);
        laurel = floats("laurel_out", (long) t * d);
        laurelMid = floats("laurel_l", (long) t * LAUREL_RANK);
        q = floats("Qcur", (long) t * c.qDim());
        kCur = floats("Kcur", (long) t * c.kvDim());
        vCur = floats("Vcur", (long) t * c.kvDim());
        kqv = floats("kqv_out", (long) t * c.qDim());
        attn = floats("attn_out", (long) t * d);
        al = floats("attn_laurel", (long) t * d);
        up = floats("ffn_up", (long) t * c.nFF());
        gate = floats("ffn_gate", (long) t * c.nFF());
        ffn = floats("ffn_out", (long) t * d);
        tmp = floats("ffn_norm", (long) t * d);
        mod = floats("altup_router", (long) t * ALTUP_STREAMS);
        gt = floats("inp_gate", (long) t * PER_LAYER_DIM);
        pp = floats("per_layer_proj_out", (long) t * d);
        merged = floats("unembd_merged", (long) t * d);
        outIn = floats("result_norm", (long) t * d);
        logits = floats("logits", (long) t * c.vocabSize());
        scores = floats("attention scores", (long) t * c.nHead() * contextLength);
        xq = cl.buffer("quantized activations", (long) t * maxCols);
        xd = floats("activation scales", (long) t * maxCols / 32);
        xr = floats("F16-rounded activations", (long) t * maxCols);
        float[] scale = {VectorMath.ropeThetaScale(c.ropeBaseSwa(), c.headDim()),
            VectorMath.ropeThetaScale(c.ropeBase(), c.headDim())};
        int half = c.headDim() / 2;
        float[] cos = new float[contextLength * half];
        float[] sin = new float[contextLength * half];
        for (int r = 0; r < 2; r++) {
            for (int pos = 0; pos < contextLength; pos++) {
                VectorMath.ropeAngles(pos, scale[r], half, cos, sin, pos * half);
            }
            ropeCos[r] = floats("RoPE cos", cos);
            ropeSin[r] = floats("RoPE sin", sin);
        }
        float[] table = new float[1 << 16];
        for (int i = 0; i < table.length; i++) {
            table[i] = VectorMath.geluF16Table(Float.float16ToFloat((short) i));
        }
        geluTable = floats("GELU table", table);

        hostInts = staging.allocate(6L * t * Integer.BYTES, 64);
        hostEmbeddings = staging.allocate((long) t * d * Float.BYTES, 64);
        hostLogits = staging.allocate((long) t * c.vocabSize() * Float.BYTES, 64);
        ints = new int[6][t];
        cl.finish();
    }

    /** Refuses a model with a tensor of a type the kernels do not read, naming the first such tensor. */
    private static void checkTypes(Gemma3nWeights w) {
        java.util.List<WeightMatrix> all = new java.util.ArrayList<>(java.util.List.of(w.tokenEmbd,
                w.perLayerTokenEmbd, w.perLayerModelProj, w.output));
        all.addAll(java.util.List.of(w.altupProj));
        all.addAll(java.util.List.of(w.altupUnembdProj));
        for (Gemma3nWeights.Layer x : w.layers) {
            all.addAll(java.util.List.of(x.attnQ(), x.attnK(), x.attnV(), x.attnOutput(), x.ffnGate(), x.ffnUp(),
                    x.ffnDown(), x.inpGate(), x.proj(), x.altupRouter(), x.laurelL(), x.laurelR()));
        }
        for (WeightMatrix m : all) {
            if (!SUPPORTED.contains(m.type())) {
                throw new ClException("device=opencl: tensor " + m.name() + " is " + m.type() + ", which the OpenCL"
                        + " backend does not read (it reads " + SUPPORTED + "); run this model with device=cpu");
            }
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /** The file's bytes of a matrix of the text weights: its tensor, or its slice of a stacked one ("name[s]"). */
    private static MemorySegment source(GGUFFile file, WeightMatrix m) {
        String name = m.name();
        int bracket = name.indexOf('[');
        long bytes = m.type().bytesFor(m.cols()) * m.rows();
        if (bracket < 0) {
            return file.tensor(name).data();
        }
        TensorInfo t = file.tensor(name.substring(0, bracket));
        int s = Integer.parseInt(name.substring(bracket + 1, name.length() - 1));
        return t.data().asSlice(s * bytes, bytes);
    }

    private static long weightBytes(GGUFFile file, Gemma3nWeights w) {
        Map<String, Long> seen = new HashMap<>();
        java.util.function.Consumer<WeightMatrix> add = m -> seen.put(m.name(), m.type().bytesFor(m.cols()) * m.rows());
        add.accept(w.tokenEmbd);
        add.accept(w.perLayerTokenEmbd);
        add.accept(w.perLayerModelProj);
        add.accept(w.output);
        for (int s = 0; s < ALTUP_STREAMS - 1; s++) {
            add.accept(w.altupProj[s]);
            add.accept(w.altupUnembdProj[s]);
        }
        long vectors = 0;
        for (Gemma3nWeights.Layer x : w.layers) {
            for (WeightMatrix m : new WeightMatrix[] {x.attnQ(), x.attnK(), x.attnV(), x.attnOutput(), x.ffnGate(),
                x.ffnUp(), x.ffnDown(), x.inpGate(), x.proj(), x.altupRouter(), x.laurelL(), x.laurelR()}) {
                add.accept(m);
            }
            vectors += 4L * (x.attnNorm().length * 8L + x.attnQNorm().length * 2L + 32);
        }
        long total = vectors;
        for (long b : seen.values()) {
            total += b;
        }
        return total;
    }

    private Matrix upload(GGUFFile file, WeightMatrix m, Map<String, Matrix> uploaded) {
        Matrix done = uploaded.get(m.name());
        if (done != null) {
            return done;
        }
        MemorySegment data = source(file, m);
        Matrix matrix = new Matrix(m.name(), m.type(), cl.upload("tensor " + m.name(), data), m.rows(), m.cols(),
                m.type().bytesFor(m.cols()));
        uploaded.put(m.name(), matrix);
        return matrix;
    }

    private ClBuffer floats(String what, float[] data) {
        return cl.upload(what, MemorySegment.ofArray(data));
    }

    private ClBuffer floats(String what, long count) {
        return cl.buffer(what, count * Float.BYTES);
    }

    private ClBuffer ints(String what, long count) {
        return cl.buffer(what, count * Integer.BYTES);
    }

    /** The device this runs on. */
    public ClDevice device() {
        return cl.device();
    }

    @Override
    public Gemma3nModel model() {
        return model;
    }

    @Override
    public int maxTokens() {
        return maxTokens;
    }

    /** A cache in one of the device's KV slots; the slots were allocated with this backend. */
    @Override
    public KVCache newCache(int contextLength, int maxChunk) {
        if (contextLength != this.contextLength || maxChunk != this.maxChunk) {
            throw new IllegalArgumentException("the OpenCL KV caches hold " + this.contextLength + " positions fed "
                    + this.maxChunk + " at a time, not " + contextLength + " and " + maxChunk);
        }
        Integer slot = freeSlots.poll();
        if (slot == null) {
            throw new IllegalStateException("all " + sequences + " KV caches allocated on " + cl.device().name()
                    + " are in use");
        }
        return new DeviceKVCache(this, c, contextLength, maxChunk, slot);
    }

    void release(int slot) {
        freeSlots.add(slot);
    }

    ClContext context() {
        return cl;
    }

    /** Byte offset of slot {@code slot}'s ring in the buffers of KV layer {@code layer}. */
    long slotOffset(int layer, int slot) {
        return (long) slot * capacity[layer] * c.kvDim() * Float.BYTES;
    }

    @Override
    public void forward(ForwardBatch batch, float[] logitsOut) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        if (n > maxTokens) {
            throw new IllegalArgumentException("batch of " + n + " tokens exceeds this pass's " + maxTokens);
        }
        int rows = batch.outputs();
        if (rows > 0 && logitsOut.length < (long) rows * c.vocabSize()) {
            throw new IllegalArgumentException("logits buffer too small for " + rows + " rows");
        }
        int d = c.nEmbd();
        int embedded = prepare(batch, n, d);
        upload(n, embedded, d);
        embed(n, embedded);
        for (int l = 0; l < c.nLayer(); l++) {
            layer(l, n);
        }
        output(n, rows);
        if (rows > 0) {
            long count = (long) rows * c.vocabSize();
            cl.read(logits, 0, hostLogits.asSlice(0, count * Float.BYTES));
            MemorySegment.copy(hostLogits, FLOAT, 0, logitsOut, 0, (int) count);
        } else {
            cl.finish();
        }
    }

    /** Checks the batch and fills the per-token ints and the embedded inputs; returns how many there are. */
    private int prepare(ForwardBatch batch, int n, int d) {
        int embedded = 0;
        int row = 0;
        int sliding = -1;
        int global = -1;
        for (int l = 0; l < capacity.length; l++) {
            if (c.sliding()[l]) {
                sliding = l;
            } else {
                global = l;
            }
        }
        for (int t = 0; t < n; t++) {
            int tok = batch.token(t);
            if (tok < 0 || tok >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tok + " is outside the vocabulary [0, "
                        + c.vocabSize() + ")");
            }
            if (!(batch.cache(t) instanceof DeviceKVCache cache) || cache.owner() != this) {
                throw new IllegalArgumentException("token " + t + " of the batch has a KV cache of another backend");
            }
            int pos = batch.position(t);
            if (pos >= contextLength) {
                throw new IllegalStateException("position " + pos + " is past the context length " + contextLength);
            }
            ints[0][t] = tok;
            ints[1][t] = pos;
            float[] e = batch.embedding(t);
            if (e != null) {
                MemorySegment.copy(e, batch.embeddingOffset(t), hostEmbeddings, FLOAT, (long) embedded * d * 4, d);
                ints[2][t] = embedded++;
            } else {
                ints[2][t] = -1;
            }
            ints[3][t] = sliding < 0 ? 0 : cache.slot() * capacity[sliding];
            ints[4][t] = global < 0 ? 0 : cache.slot() * capacity[global];
            ints[5][t] = batch.wantsLogits(t) ? row++ : -1;
        }
        return embedded;
    }

    private void upload(int n, int embedded, int d) {
        ClBuffer[] targets = {tokens, positions, embedSlots, baseSliding, baseGlobal, outRows};
        for (int i = 0; i < targets.length; i++) {
            MemorySegment seg = hostInts.asSlice((long) i * maxTokens * Integer.BYTES, (long) n * Integer.BYTES);
            MemorySegment.copy(ints[i], 0, seg, ValueLayout.JAVA_INT, 0, n);
            cl.write(targets[i], 0, seg);
        }
        if (embedded > 0) {
            cl.write(embeddings, 0, hostEmbeddings.asSlice(0, (long) embedded * d * Float.BYTES));
        }
    }

    /** Spec 5.1 and 5.2: scaled embeddings, per-layer inputs, and the four AltUp streams. */
    private void embed(int n, int embedded) {
        int d = c.nEmbd();
        int lp = c.nLayer() * PER_LAYER_DIM;
        float embScale = (float) Math.sqrt(d);
        getRows(tokenEmbd, n, embScale, x0);
        if (embedded > 0) {
            k.embedInputs.args().arg(x0).arg(embeddings).arg(embedSlots).arg(n).arg(d).launch(groups(n * d), WG);
        }
        matmul(perLayerModelProj, x0, 0, n, perLayer, 0);
        getRows(perLayerTokenEmbd, n, (float) Math.sqrt(PER_LAYER_DIM), perLayerRows);
        k.perLayerInputs.args().arg(perLayer).arg(perLayerRows).arg(perLayerProjNorm).arg(lp).arg(1.0f / embScale)
                .arg(c.rmsEps()).launch((long) n * c.nLayer(), WG);
        cl.copy(x0, 0, streams, 0, (long) n * d * Float.BYTES);
        for (int s = 1; s < ALTUP_STREAMS; s++) {
            matmul(altupProj[s - 1], x0, 0, n, streams, s * stride());
        }
        k.matchMagnitude.args().arg(streams).arg(stride()).arg(d).launch(n, WG);
    }

    /** Floats between one AltUp stream and the next in {@link #streams} and {@link #pred}. */
    private int stride() {
        return maxTokens * c.nEmbd();
    }

    private void layer(int l, int n) {
        Layer lw = layers[l];
        int d = c.nEmbd();
        float eps = c.rmsEps();

        route(lw, streams, n);
        k.altupPredict.args().arg(streams).arg(pred).arg(stride()).arg(mod).arg(lw.altupPredictCoef())
                .arg(lw.attnNorm()).arg(xn).arg(d).arg(eps).launch(n, WG);

        matmul(lw.laurelL(), xn, 0, n, laurelMid, 0);
        matmul(lw.laurelR(), laurelMid, 0, n, laurel, 0);
        k.rmsNormAdd.args().arg(laurel).arg(lw.laurelPostNorm()).arg(xn).arg(d).arg(eps).launch(n, WG);

        attention(l, lw, n);

        k.postAttention.args().arg(attn).arg(lw.postAttentionNorm()).arg(pred).arg(laurel).arg(al).arg(lw.ffnNorm())
                .arg(tmp).arg(d).arg(eps).launch(n, WG);

        int ff = c.nFF();
        matmul(lw.ffnUp(), tmp, 0, n, up, 0);
        matmul(lw.ffnGate(), tmp, 0, n, gate, 0);
        k.ffnActivation.args().arg(gate).arg(up).arg(ff).arg(l < Gemma3nConfig.SPARSE_LAYERS ? 1 : 0)
                .arg(exactGelu ? 1 : 0).arg(geluTable).launch(n, WG);
        matmul(lw.ffnDown(), up, 0, n, ffn, 0);
        k.rmsNorm.args().arg(ffn).arg(0).arg(lw.postFfwNorm()).arg(1).arg(ffn).arg(0).arg(d).arg(eps).arg(1.0f)
                .launch(n, WG);

        k.addInto.args().arg(ffn).arg(al).arg(n * d).launch(groups(n * d), WG);
        route(lw, ffn, n);
        k.altupCorrect.args().arg(streams).arg(pred).arg(stride()).arg(ffn).arg(mod).arg(lw.altupCorrectCoef())
                .arg(d).launch(n, WG);

        k.mulVector.args().arg(streams).arg(lw.altupCorrectScale()).arg(tmp).arg(d).arg(n * d)
                .launch(groups(n * d), WG);
        matmul(lw.inpGate(), tmp, 0, n, gt, 0);
        k.geluPerLayer.args().arg(gt).arg(perLayer).arg(c.nLayer() * PER_LAYER_DIM).arg(l).arg(exactGelu ? 1 : 0)
                .arg(geluTable).arg(n * PER_LAYER_DIM).launch(groups(n * PER_LAYER_DIM), WG);
        matmul(lw.proj(), gt, 0, n, pp, 0);
        k.perLayerOut.args().arg(pp).arg(lw.postNorm()).arg(streams).arg(stride()).arg(d).arg(eps).launch(n, WG);
    }

    /** {@code mod = router · (RMSNorm(x, router_norm) / D)}; the kernels that read it take the tanh. */
    private void route(Layer lw, ClBuffer x, int n) {
        int d = c.nEmbd();
        k.rmsNorm.args().arg(x).arg(0).arg(lw.altupRouterNorm()).arg(1).arg(tmp).arg(0).arg(d).arg(c.rmsEps())
                .arg(1.0f / d).launch(n, WG);
        matmul(lw.altupRouter(), tmp, 0, n, mod, 0);
    }

    private void attention(int l, Layer lw, int n) {
        int hd = c.headDim();
        int nh = c.nHead();
        int nkv = c.nHeadKv();
        float eps = c.rmsEps();
        boolean sliding = c.sliding()[l];
        int rope = sliding ? 0 : 1;
        matmul(lw.attnQ(), xn, 0, n, q, 0);
        k.headNormRope.args().arg(q).arg(nh).arg(hd).arg(lw.attnQNorm()).arg(1).arg(1).arg(ropeCos[rope])
                .arg(ropeSin[rope]).arg(positions).arg(eps).launch((long) n * nh, WG);
        int kvLayer = c.kvSourceLayer(l);
        ClBuffer base = sliding ? baseSliding : baseGlobal;
        if (kvLayer == l) {
            matmul(lw.attnK(), xn, 0, n, kCur, 0);
            matmul(lw.attnV(), xn, 0, n, vCur, 0);
            k.headNormRope.args().arg(kCur).arg(nkv).arg(hd).arg(lw.attnKNorm()).arg(1).arg(1).arg(ropeCos[rope])
                    .arg(ropeSin[rope]).arg(positions).arg(eps).launch((long) n * nkv, WG);
            k.headNormRope.args().arg(vCur).arg(nkv).arg(hd).arg(lw.attnKNorm()).arg(0).arg(0).arg(ropeCos[rope])
                    .arg(ropeSin[rope]).arg(positions).arg(eps).launch((long) n * nkv, WG);
            k.kvStore.args().arg(kCur).arg(vCur).arg(keys[l]).arg(values[l]).arg(base).arg(positions).arg(capacity[l])
                    .arg(c.kvDim()).arg(n).launch(groups(n * c.kvDim()), WG);
        }
        k.attention.args().arg(q).arg(keys[kvLayer]).arg(values[kvLayer]).arg(kqv).arg(base).arg(positions)
                .arg(capacity[kvLayer]).arg(sliding ? c.slidingWindow() : 0).arg(nh).arg(nkv).arg(hd).arg(scores)
                .arg(contextLength).launch((long) n * nh, WG);
        matmul(lw.attnOutput(), kqv, 0, n, attn, 0);
    }

    /** Spec 5.5: merge the streams, final norm, tied output projection, soft-capping. */
    private void output(int n, int rows) {
        int d = c.nEmbd();
        cl.copy(streams, 0, pred, 0, (long) n * d * Float.BYTES);
        for (int s = 1; s < ALTUP_STREAMS; s++) {
            matmul(altupUnembdProj[s - 1], streams, s * stride(), n, pred, s * stride());
        }
        k.matchMagnitude.args().arg(pred).arg(stride()).arg(d).launch(n, WG);
        k.mergeStreams.args().arg(pred).arg(stride()).arg(outRows).arg(outputNorm).arg(merged).arg(outIn).arg(d)
                .arg(c.rmsEps()).launch(n, WG);
        if (rows == 0) {
            return;
        }
        matmul(output, outIn, 0, rows, logits, 0);
        int count = rows * c.vocabSize();
        k.softcap.args().arg(logits).arg(count).arg(SOFTCAP).launch(groups(count), WG);
    }

    private void getRows(Matrix m, int n, float scale, ClBuffer out) {
        int items = n * (m.cols() / 32);
        k.getRows(m.type()).args().arg(m.data()).arg(m.rowBytes()).arg(tokens).arg(n).arg(m.cols()).arg(scale)
                .arg(out).launch(groups(items), WG);
    }

    /**
     * {@code out[outOff + t*rows + r] = W[r] · x[xOff + t*cols ..]} for t in [0, n), the activations first rounded
     * as ggml-cpu rounds them for the weight's type.
     */
    private void matmul(Matrix m, ClBuffer x, int xOff, int n, ClBuffer out, int outOff) {
        int cols = m.cols();
        if (rounding == ActivationRounding.NONE) {
            k.exactMatmul(m.type()).args().arg(m.data()).arg(m.rowBytes()).arg(m.rows()).arg(cols).arg(x).arg(xOff)
                    .arg(xq).arg(xd).arg(n).arg(out).arg(outOff).launch(m.rows(), WG);
            return;
        }
        ClBuffer xf = x;
        int xfOff = xOff;
        switch (m.type()) {
            case F16 -> {
                k.quantF16.args().arg(x).arg(xOff).arg(n * cols).arg(xr).launch(groups(n * cols), WG);
                xf = xr;
                xfOff = 0;
            }
            case Q4_0, Q8_0 -> k.quantQ8_0.args().arg(x).arg(xOff).arg(n * cols / 32).arg(xq).arg(xd)
                    .launch(groups(n * cols / 32), WG);
            case Q4_K, Q6_K -> k.quantQ8_K.args().arg(x).arg(xOff).arg(n * cols / 256).arg(xq).arg(xd)
                    .launch(groups(n * cols / 256), WG);
            default -> {
            }
        }
        k.matmul(m.type()).args().arg(m.data()).arg(m.rowBytes()).arg(m.rows()).arg(cols).arg(xf).arg(xfOff)
                .arg(xq).arg(xd).arg(n).arg(out).arg(outOff).launch(m.rows(), WG);
    }

    private static long groups(long items) {
        return (items + WG - 1) / WG;
    }

    /** Releases the device memory and the host staging buffers; a second call does nothing. */
    @Override
    public void close() {
        if (staging.scope().isAlive()) {
            cl.close();
            staging.close();
        }
    }

    /** The kernels of the program, one object each (they hold their arguments). */
    private static final class Kernels {
        final ClKernel embedInputs;
        final ClKernel perLayerInputs;
        final ClKernel matchMagnitude;
        final ClKernel rmsNorm;
        final ClKernel rmsNormAdd;
        final ClKernel altupPredict;
        final ClKernel headNormRope;
        final ClKernel kvStore;
        final ClKernel attention;
        final ClKernel postAttention;
        final ClKernel ffnActivation;
        final ClKernel addInto;
        final ClKernel altupCorrect;
        final ClKernel mulVector;
        final ClKernel geluPerLayer;
        final ClKernel perLayerOut;
        final ClKernel mergeStreams;
        final ClKernel softcap;
        final ClKernel quantQ8_0;
        final ClKernel quantQ8_K;
        final ClKernel quantF16;
        private final Map<GGMLType, ClKernel> matmul = new HashMap<>();
        private final Map<GGMLType, ClKernel> exactMatmul = new HashMap<>();
        private final Map<GGMLType, ClKernel> getRows = new HashMap<>();

        Kernels(ClContext cl, MemorySegment program) {
            embedInputs = cl.kernel(program, "embed_inputs");
            perLayerInputs = cl.kernel(program, "per_layer_inputs");
            matchMagnitude = cl.kernel(program, "match_magnitude");
            rmsNorm = cl.kernel(program, "rms_norm");
            rmsNormAdd = cl.kernel(program, "rms_norm_add");
            altupPredict = cl.kernel(program, "altup_predict");
            headNormRope = cl.kernel(program, "head_norm_rope");
            kvStore = cl.kernel(program, "kv_store");
            attention = cl.kernel(program, "attention");
            postAttention = cl.kernel(program, "post_attention");
            ffnActivation = cl.kernel(program, "ffn_activation");
            addInto = cl.kernel(program, "add_into");
            altupCorrect = cl.kernel(program, "altup_correct");
            mulVector = cl.kernel(program, "mul_vector");
            geluPerLayer = cl.kernel(program, "gelu_per_layer");
            perLayerOut = cl.kernel(program, "per_layer_out");
            mergeStreams = cl.kernel(program, "merge_streams");
            softcap = cl.kernel(program, "softcap");
            quantQ8_0 = cl.kernel(program, "quant_q8_0");
            quantQ8_K = cl.kernel(program, "quant_q8_k");
            quantF16 = cl.kernel(program, "quant_f16");
            for (GGMLType t : SUPPORTED) {
                String suffix = t.name().toLowerCase(java.util.Locale.ROOT);
                matmul.put(t, cl.kernel(program, "matmul_" + suffix));
                exactMatmul.put(t, cl.kernel(program, "matmul_exact_" + suffix));
                getRows.put(t, cl.kernel(program, "get_rows_" + suffix));
            }
        }

        ClKernel matmul(GGMLType t) {
            return matmul.get(t);
        }

        ClKernel exactMatmul(GGMLType t) {
            return exactMatmul.get(t);
        }

        ClKernel getRows(GGMLType t) {
            return getRows.get(t);
        }
    }
}
